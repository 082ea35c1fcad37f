import type { Archiver } from '@walboard/shared';
import { useI18n } from '../../i18n/i18n.tsx';
import { formatTime } from './format.ts';
import { ReplField } from './ReplField.tsx';

/** pg_stat_archiver with a red alarm when the last failure is newer than the last success. */
export function ArchiverBlock({ archiver, readyFiles }: { archiver: Archiver; readyFiles: number | null }) {
  const { t, lang } = useI18n();
  const at = (segment: string | null, time: string | null) =>
    segment === null
      ? null
      : t('replication.archiver.segmentAt', { segment, time: formatTime(time, lang) ?? '?' });
  return (
    <section
      data-testid="node-archiver"
      data-failing={String(archiver.failing)}
      className={`text-sm ${archiver.failing ? 'rounded border-2 border-red-600 bg-red-50 p-2' : ''}`}
    >
      <h3 className="font-semibold text-slate-800">{t('replication.archiver.title')}</h3>
      {archiver.failing && (
        <div
          data-testid="archiver-alarm"
          role="alert"
          className="my-1 rounded bg-red-700 px-2 py-1 text-white"
        >
          <p className="font-bold">
            <span aria-hidden="true">⚠ </span>
            {t('replication.archiver.alarm')}
          </p>
          <p className="text-xs">{t('replication.archiver.alarmDetail')}</p>
          <pre
            data-testid="archiver-error"
            className="mt-1 whitespace-pre-wrap break-words font-mono text-xs"
          >
            {archiver.lastError ?? t('replication.archiver.noErrorLine')}
          </pre>
        </div>
      )}
      <dl className="grid grid-cols-[auto_1fr] gap-x-4 gap-y-1">
        <ReplField label="replication.archiver.archived" testId="archiver-archived" mono>
          {archiver.archivedCount}
        </ReplField>
        <ReplField
          label="replication.archiver.lastArchived"
          title={archiver.lastArchivedTime ?? undefined}
          mono
        >
          {at(archiver.lastArchivedWal, archiver.lastArchivedTime)}
        </ReplField>
        <ReplField label="replication.archiver.failed" testId="archiver-failed" mono>
          {archiver.failedCount}
        </ReplField>
        <ReplField label="replication.archiver.lastFailed" title={archiver.lastFailedTime ?? undefined} mono>
          {at(archiver.lastFailedWal, archiver.lastFailedTime)}
        </ReplField>
        <ReplField
          label="replication.archiver.readyFiles"
          hint="replication.archiver.readyFilesHint"
          testId="node-ready-files"
          dataValue={readyFiles ?? undefined}
          mono
        >
          {readyFiles}
        </ReplField>
      </dl>
    </section>
  );
}
