import type { ClusterSummary } from '@walboard/shared';
import type { Alert } from '@walboard/shared/alerts';
import type { AlertKind } from '@walboard/shared/config';
import type { MessageKey } from '../../i18n/catalog.ts';
import { useI18n } from '../../i18n/i18n.tsx';
import { Notice } from '../../layout/Notice.tsx';
import { auditTime } from '../audit/audit-format.ts';
import { ClusterPicker } from '../clusters/ClusterPicker.tsx';
import type { LiveSocket } from '../live/use-live-socket.ts';
import { useAlerts } from './use-alerts.ts';

const kindLabels: Record<AlertKind, MessageKey> = {
  'lag-bytes': 'alerts.kind.lagBytes',
  'lag-seconds': 'alerts.kind.lagSeconds',
  'archiver-failing': 'alerts.kind.archiverFailing',
  'node-unreachable': 'alerts.kind.nodeUnreachable',
  'host-key-changed': 'alerts.kind.hostKeyChanged',
  'operation-failed': 'alerts.kind.operationFailed',
};

interface Props {
  clusters: readonly ClusterSummary[];
  cluster: string;
  onSelectCluster: (name: string) => void;
  socket: LiveSocket | null;
}

/** Firing alerts of the cluster, then the recently resolved ones; live from `alert:event`. */
export function AlertsPage({ clusters, cluster, onSelectCluster, socket }: Props) {
  const { t } = useI18n();
  const { state, failed } = useAlerts(socket, cluster);
  return (
    <section data-testid="alerts-page" aria-labelledby="alerts-heading" className="space-y-4">
      <div className="flex flex-wrap items-end justify-between gap-3">
        <div className="space-y-1">
          <h1 id="alerts-heading" className="text-xl font-semibold text-slate-900">
            {t('alerts.heading', { cluster })}
          </h1>
          <p className="text-sm text-slate-600">{t('alerts.intro')}</p>
        </div>
        <ClusterPicker clusters={clusters} selected={cluster} onSelect={onSelectCluster} />
      </div>
      {failed && <Notice tone="error">{t('alerts.loadFailed')}</Notice>}
      <AlertTable
        testId="alerts-current"
        title={t('alerts.current', { count: state.current.length })}
        alerts={state.current}
        empty={state.loaded ? t('alerts.noneFiring') : t('alerts.loading')}
      />
      <AlertTable
        testId="alerts-recent"
        title={t('alerts.recent')}
        alerts={state.recent}
        empty={state.loaded ? t('alerts.noneRecent') : t('alerts.loading')}
      />
    </section>
  );
}

function AlertTable({
  testId,
  title,
  alerts,
  empty,
}: {
  testId: string;
  title: string;
  alerts: readonly Alert[];
  empty: string;
}) {
  const { t, lang } = useI18n();
  const columns: MessageKey[] = [
    'alerts.col.status',
    'alerts.col.rule',
    'alerts.col.node',
    'alerts.col.since',
    'alerts.col.fired',
    'alerts.col.resolved',
    'alerts.col.summary',
  ];
  return (
    <section data-testid={testId} aria-label={title} className="space-y-2">
      <h2 className="text-base font-semibold text-slate-800">{title}</h2>
      {alerts.length === 0 ? (
        <Notice>{empty}</Notice>
      ) : (
        <div
          // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling box with no control inside must take focus, or the keyboard cannot scroll it (WCAG 2.1.1)
          tabIndex={0}
          className="overflow-x-auto rounded-lg border border-slate-200 bg-white focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-sky-600"
        >
          <table className="w-full text-left text-sm">
            <thead className="bg-slate-50 text-xs uppercase tracking-wide text-slate-600">
              <tr>
                {columns.map((c) => (
                  <th key={c} scope="col" className="px-3 py-2 font-semibold">
                    {t(c)}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {alerts.map((a) => (
                <tr
                  key={a.id}
                  data-testid={`alert-${a.rule}-${a.node ?? a.cluster}`}
                  data-status={a.status}
                  className="border-t border-slate-100 align-top"
                >
                  <td className="px-3 py-2">
                    <span
                      className={`rounded px-2 py-0.5 text-xs font-semibold ${
                        a.status === 'firing' ? 'bg-red-100 text-red-900' : 'bg-emerald-100 text-emerald-900'
                      }`}
                    >
                      {t(a.status === 'firing' ? 'alerts.status.firing' : 'alerts.status.resolved')}
                    </span>
                  </td>
                  <td className="px-3 py-2">
                    <div className="font-medium text-slate-900">{a.rule}</div>
                    <div className="text-xs text-slate-600">{t(kindLabels[a.kind])}</div>
                  </td>
                  <td className="px-3 py-2">{a.node ?? t('alerts.wholeCluster')}</td>
                  <td className="px-3 py-2 whitespace-nowrap">{auditTime(a.since, lang)}</td>
                  <td className="px-3 py-2 whitespace-nowrap">{auditTime(a.firedAt, lang)}</td>
                  <td className="px-3 py-2 whitespace-nowrap">
                    {a.resolvedAt ? auditTime(a.resolvedAt, lang) : '—'}
                  </td>
                  <td className="px-3 py-2 text-slate-700">{a.summary}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
