import type { WalSender } from '@walboard/shared';
import { useI18n } from '../../i18n/i18n.tsx';
import { formatLagMs, formatTime } from './format.ts';

const cell = 'px-2 py-1 whitespace-nowrap';

/** The primary's pg_stat_replication, one row per WAL sender, positions exact. */
export function SendersTable({ senders }: { senders: readonly WalSender[] }) {
  const { t, lang } = useI18n();
  const none = t('replication.value.none');
  if (senders.length === 0) {
    return (
      <section className="text-sm">
        <h3 className="font-semibold text-slate-800">{t('replication.senders.title')}</h3>
        <p data-testid="node-senders-none" className="text-slate-600">
          {t('replication.senders.none')}
        </p>
      </section>
    );
  }
  return (
    <section className="text-sm">
      <h3 className="font-semibold text-slate-800">{t('replication.senders.title')}</h3>
      <div
        // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling box with no control inside must take focus, or the keyboard cannot scroll it (WCAG 2.1.1)
        tabIndex={0}
        className="overflow-x-auto focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-sky-600"
      >
        <table data-testid="node-senders" className="min-w-full text-left text-xs">
          <caption className="sr-only">{t('replication.senders.caption')}</caption>
          <thead className="text-slate-600">
            <tr>
              <th className={cell}>{t('replication.senders.app')}</th>
              <th className={cell}>{t('replication.senders.client')}</th>
              <th className={cell}>{t('replication.senders.state')}</th>
              <th className={cell}>{t('replication.senders.sent')}</th>
              <th className={cell}>{t('replication.senders.write')}</th>
              <th className={cell}>{t('replication.senders.flush')}</th>
              <th className={cell}>{t('replication.senders.replay')}</th>
              <th className={cell} title={t('replication.senders.lagsHint')}>
                {t('replication.senders.lags')}
              </th>
              <th className={cell}>{t('replication.senders.sync')}</th>
              <th className={cell}>{t('replication.senders.reply')}</th>
            </tr>
          </thead>
          <tbody className="font-mono tabular-nums text-slate-900">
            {senders.map((s) => (
              <tr
                key={s.pid}
                data-testid={`sender-row-${s.applicationName}`}
                className="border-t border-slate-100"
              >
                <td className={`${cell} font-sans`}>{s.applicationName || none}</td>
                <td className={cell}>{s.clientAddr ?? none}</td>
                <td className={`${cell} font-sans`} data-testid="sender-state">
                  {s.state}
                </td>
                <td className={cell}>{s.sentLsn ?? none}</td>
                <td className={cell}>{s.writeLsn ?? none}</td>
                <td className={cell}>{s.flushLsn ?? none}</td>
                <td className={cell} data-testid="sender-replay-lsn">
                  {s.replayLsn ?? none}
                </td>
                <td className={cell}>
                  {[s.writeLagMs, s.flushLagMs, s.replayLagMs]
                    .map((ms) => formatLagMs(ms) ?? none)
                    .join(' / ')}
                </td>
                <td className={`${cell} font-sans`}>{s.syncState ?? none}</td>
                <td className={cell} title={s.replyTime ?? undefined}>
                  {formatTime(s.replyTime, lang) ?? none}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
