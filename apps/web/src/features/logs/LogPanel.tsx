import { useId, useState } from 'react';
import { useI18n } from '../../i18n/i18n.tsx';
import type { LiveSocket } from '../live/use-live-socket.ts';
import { LogList } from './LogList.tsx';
import { shownLines } from './log-state.ts';
import { useLogFeed } from './use-log-feed.ts';

interface Props {
  socket: LiveSocket | null;
  cluster: string;
  /** Node names in the order the page lists them. */
  nodes: readonly string[];
}

const buttonClass =
  'rounded border px-3 py-1 text-sm font-medium disabled:cursor-default disabled:opacity-50 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-sky-600';

/** The PostgreSQL log of one node at a time (tabs), live: filter, pause/follow, drops and gaps. */
export function LogPanel({ socket, cluster, nodes }: Props) {
  const { t } = useI18n();
  const headingId = useId();
  const filterId = useId();
  // The tab picked, per cluster: another cluster starts from its first node.
  const [picked, setPicked] = useState<{ cluster: string; node: string } | null>(null);
  const node = picked?.cluster === cluster && nodes.includes(picked.node) ? picked.node : (nodes[0] ?? null);
  const { state, dispatch, problem } = useLogFeed(socket, cluster, node);
  const paused = state.frozen !== null;
  const lines = shownLines(state);

  if (node === null) return null;
  return (
    <section aria-labelledby={headingId} className="rounded-lg border border-slate-200 bg-white shadow-sm">
      <header className="flex flex-wrap items-center justify-between gap-3 border-b border-slate-200 px-4 py-3">
        <h2 id={headingId} className="text-base font-semibold text-slate-900">
          {t('logs.heading')}
        </h2>
        <div role="tablist" aria-label={t('logs.nodesLabel')} className="flex flex-wrap gap-1">
          {nodes.map((n) => (
            <button
              key={n}
              type="button"
              role="tab"
              aria-selected={n === node}
              data-testid={`log-tab-${n}`}
              onClick={() => setPicked({ cluster, node: n })}
              className={`${buttonClass} ${
                n === node
                  ? 'border-sky-700 bg-sky-700 text-white'
                  : 'border-slate-300 bg-white text-slate-800'
              }`}
            >
              {n}
            </button>
          ))}
        </div>
      </header>

      <div role="tabpanel" data-testid={`log-panel-${node}`} className="space-y-2 px-4 py-3">
        <div className="flex flex-wrap items-center gap-2">
          <label htmlFor={filterId} className="text-sm text-slate-700">
            {t('logs.filter.label')}
          </label>
          <input
            id={filterId}
            type="search"
            data-testid="log-filter"
            value={state.filter}
            placeholder={t('logs.filter.placeholder')}
            onChange={(e) => dispatch({ type: 'filter', text: e.target.value })}
            className="min-w-0 flex-1 rounded border border-slate-300 px-2 py-1 text-sm"
          />
          <button
            type="button"
            data-testid="log-pause"
            disabled={paused}
            aria-pressed={paused}
            onClick={() => dispatch({ type: 'pause' })}
            className={`${buttonClass} border-slate-300 bg-white text-slate-800`}
          >
            {t('logs.pause')}
          </button>
          <button
            type="button"
            data-testid="log-follow"
            disabled={!paused}
            aria-pressed={!paused}
            onClick={() => dispatch({ type: 'follow' })}
            className={`${buttonClass} border-slate-300 bg-white text-slate-800`}
          >
            {t('logs.follow')}
          </button>
        </div>

        <div className="flex flex-wrap gap-2 text-xs" aria-live="polite">
          {paused && (
            <span data-testid="log-unseen" className="rounded bg-sky-100 px-2 py-0.5 text-sky-900">
              {t('logs.paused', { count: state.unseen })}
            </span>
          )}
          {state.dropped > 0 && (
            <span data-testid="log-dropped" className="rounded bg-amber-100 px-2 py-0.5 text-amber-950">
              {t('logs.dropped', { count: state.dropped })}
            </span>
          )}
          {state.lastGap && (
            <span data-testid="log-gap" className="rounded bg-amber-100 px-2 py-0.5 text-amber-950">
              {t('logs.gap', { count: state.missing, from: state.lastGap.from, to: state.lastGap.to })}
            </span>
          )}
          {state.restarted && (
            <span className="rounded bg-slate-100 px-2 py-0.5 text-slate-700">{t('logs.restarted')}</span>
          )}
          {problem?.kind === 'rejected' && (
            <span role="alert" className="rounded bg-red-100 px-2 py-0.5 text-red-900">
              {t('logs.subscribeFailed', { node, message: problem.message })}
            </span>
          )}
          {problem?.kind === 'timeout' && (
            <span className="rounded bg-amber-100 px-2 py-0.5 text-amber-950">
              {t('logs.subscribeTimeout', { node })}
            </span>
          )}
        </div>

        <LogList
          lines={lines}
          follow={!paused}
          label={t('logs.listLabel', { node })}
          empty={
            state.filter.trim() !== '' && state.lines.length > 0
              ? t('logs.noMatch')
              : t('logs.empty', { node })
          }
        />
      </div>
    </section>
  );
}
