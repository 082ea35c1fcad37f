import type { ClusterSummary } from '@walboard/shared';
import { useState } from 'react';
import { useI18n } from '../../i18n/i18n.tsx';
import { Notice } from '../../layout/Notice.tsx';
import { ClusterPicker } from '../clusters/ClusterPicker.tsx';
import type { LiveSocket } from '../live/use-live-socket.ts';
import { HISTORY_OPERATIONS } from '../operations/operation-state.ts';
import { useOperations } from '../operations/use-operations.ts';
import { HistoryRow } from './HistoryRow.tsx';

const columns = ['steps', 'when', 'operation', 'node', 'who', 'state', 'message'] as const;

interface Props {
  clusters: readonly ClusterSummary[];
  cluster: string;
  onSelectCluster: (name: string) => void;
  socket: LiveSocket | null;
}

/**
 * The cluster's past operations, newest first, from the REST history and then live from the same
 * operation events the overview's panel follows (the page stays subscribed to the cluster room).
 */
export function OperationHistoryPage({ clusters, cluster, onSelectCluster, socket }: Props) {
  const { t } = useI18n();
  const { state, problem } = useOperations(socket, cluster, HISTORY_OPERATIONS);
  const [open, setOpen] = useState<ReadonlySet<string>>(new Set());
  const toggle = (id: string) =>
    setOpen((prev) => {
      const next = new Set(prev);
      if (!next.delete(id)) next.add(id);
      return next;
    });

  return (
    <section data-testid="history-page" aria-labelledby="ops-history-heading" className="space-y-4">
      <div className="flex flex-wrap items-end justify-between gap-3">
        <div className="space-y-1">
          <h1 id="ops-history-heading" className="text-xl font-semibold text-slate-900">
            {t('opsHistory.heading', { cluster })}
          </h1>
          <p className="text-sm text-slate-600">{t('opsHistory.intro', { count: HISTORY_OPERATIONS })}</p>
        </div>
        <ClusterPicker clusters={clusters} selected={cluster} onSelect={onSelectCluster} />
      </div>

      {problem && <Notice tone="error">{t(problem.key, problem.vars)}</Notice>}
      {state.operations.length === 0 ? (
        !problem && <Notice>{state.loaded ? t('opsHistory.empty') : t('opsHistory.loading')}</Notice>
      ) : (
        <div
          // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling box with no control inside must take focus, or the keyboard cannot scroll it (WCAG 2.1.1)
          tabIndex={0}
          className="overflow-x-auto rounded-lg border border-slate-200 bg-white focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-sky-600"
        >
          <table aria-label={t('opsHistory.tableLabel', { cluster })} className="w-full text-left">
            <thead className="bg-slate-50 text-xs uppercase tracking-wide text-slate-600">
              <tr>
                {columns.map((c) => (
                  <th key={c} scope="col" className="px-3 py-2 font-semibold">
                    {t(`opsHistory.col.${c}`)}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {state.operations.map((op) => (
                <HistoryRow
                  key={op.id}
                  operation={op}
                  open={open.has(op.id)}
                  onToggle={() => toggle(op.id)}
                />
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
