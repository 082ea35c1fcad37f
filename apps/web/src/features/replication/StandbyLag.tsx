import type { NodeStatus, ReplicationLink } from '@walboard/shared';
import type { MessageKey } from '../../i18n/catalog.ts';
import { useI18n } from '../../i18n/i18n.tsx';
import { formatBytes, formatSeconds, formatTime } from './format.ts';
import { ReplField } from './ReplField.tsx';

const sourceKey: Record<ReplicationLink['lag']['secondsSource'], MessageKey> = {
  'caught-up': 'replication.lag.source.caught-up',
  'wal-timeline': 'replication.lag.source.wal-timeline',
  sender: 'replication.lag.source.sender',
  unknown: 'replication.lag.source.unknown',
};

/** How far this standby is behind its primary (bytes and seconds), and its last replayed commit. */
export function StandbyLag({ status, link }: { status: NodeStatus; link: ReplicationLink | null }) {
  const { t, lang } = useI18n();
  const lag = link?.lag ?? null;
  const bytes = lag?.replayBytes ?? null;
  const seconds = lag?.replaySeconds ?? null;
  return (
    <section data-testid="node-lag" className="text-sm">
      <h3 className="font-semibold text-slate-800">
        {link ? t('replication.lag.title', { primary: link.primary }) : t('replication.lag.titleUnknown')}
        {link && !link.streaming && (
          <span className="ml-2 font-normal text-amber-700">({t('replication.lag.notStreaming')})</span>
        )}
      </h3>
      {!link && <p className="text-slate-600">{t('replication.lag.none')}</p>}
      <dl className="grid grid-cols-[auto_1fr] gap-x-4 gap-y-1">
        <ReplField
          label="replication.lag.bytes"
          testId="node-lag-bytes"
          dataValue={bytes ?? undefined}
          title={bytes === null ? undefined : t('replication.lag.bytesExact', { bytes })}
          mono
        >
          {bytes === null ? null : formatBytes(bytes)}
        </ReplField>
        <ReplField
          label="replication.lag.seconds"
          testId="node-lag-seconds"
          dataValue={seconds ?? undefined}
          title={lag ? t(sourceKey[lag.secondsSource]) : undefined}
          mono
        >
          {seconds === null ? null : formatSeconds(seconds)}
        </ReplField>
        <ReplField
          label="replication.lastReplay"
          hint="replication.lastReplayHint"
          testId="node-last-replay"
          title={status.lastReplayTimestamp ?? undefined}
        >
          {formatTime(status.lastReplayTimestamp, lang)}
        </ReplField>
      </dl>
    </section>
  );
}
