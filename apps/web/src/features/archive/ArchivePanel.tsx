import type { ArchiveEntry } from '@walboard/shared';
import { memo, useId, useMemo } from 'react';
import { useI18n } from '../../i18n/i18n.tsx';
import {
  type ArchiveKind,
  archiveKinds,
  arrivingEntries,
  arrivingTarget,
  countByKind,
  humanBytes,
  type NodeArchive,
  visibleWindow,
} from './archive-state.ts';

/** Rows rendered at most: a 20,000-file archive must not freeze the page. */
export const ARCHIVE_ROW_LIMIT = 500;

const kindClass: Record<ArchiveKind, string> = {
  segment: 'bg-sky-100 text-sky-900',
  history: 'bg-violet-100 text-violet-900',
  backup: 'bg-amber-100 text-amber-900',
  partial: 'bg-orange-100 text-orange-900',
  arriving: 'bg-emerald-100 text-emerald-900',
  other: 'bg-slate-100 text-slate-700',
};

function KindBadge({ kind }: { kind: ArchiveKind }) {
  const { t } = useI18n();
  return (
    <span className={`inline-block rounded px-1.5 py-0.5 text-xs whitespace-nowrap ${kindClass[kind]}`}>
      {t(`archive.kind.${kind}`)}
    </span>
  );
}

// Memoized: an event touching one file re-renders only that row, not the 500 around it.
const EntryRow = memo(function EntryRow({ entry }: { entry: ArchiveEntry }) {
  const { t, lang } = useI18n();
  const at = new Date(entry.mtime);
  const local = Number.isNaN(at.getTime())
    ? entry.mtime
    : at.toLocaleString(lang, { dateStyle: 'short', timeStyle: 'medium' });
  return (
    <tr data-testid={`archive-entry-${entry.name}`} className="border-t border-slate-100">
      {/* The name is data: shown as text, whatever characters it holds. */}
      <td className="px-3 py-1 font-mono text-xs break-all text-slate-900">{entry.name}</td>
      <td className="px-3 py-1">
        <KindBadge kind={entry.kind} />
      </td>
      <td
        className="px-3 py-1 text-right tabular-nums whitespace-nowrap"
        title={t('archive.sizeExact', { bytes: entry.size.toLocaleString(lang) })}
      >
        {humanBytes(entry.size)}
      </td>
      <td className="px-3 py-1 whitespace-nowrap tabular-nums">
        <time dateTime={entry.mtime} title={entry.mtime}>
          {local}
        </time>
      </td>
    </tr>
  );
});

/** "WAL archive on <node>": the directory, files per kind, and the newest files, live. */
export function ArchivePanel({ node, archive }: { node: string; archive: NodeArchive }) {
  const { t, lang } = useI18n();
  const headingId = useId();
  const ready = archive.status === 'ready' ? archive : null;
  const view = useMemo(
    () =>
      ready
        ? {
            window: visibleWindow(ready.entries.values(), ready.omitted, ARCHIVE_ROW_LIMIT),
            counts: countByKind(ready.entries.values()),
            arriving: arrivingEntries(ready.entries.values()),
          }
        : null,
    [ready],
  );
  if (archive.status === 'none') return null;

  return (
    <section
      aria-labelledby={headingId}
      data-testid={`archive-panel-${node}`}
      className="overflow-hidden rounded-lg border border-slate-200 bg-white shadow-sm"
    >
      <header className="space-y-1 border-b border-slate-200 px-4 py-3">
        <div className="flex flex-wrap items-baseline justify-between gap-2">
          <h2 id={headingId} className="text-base font-semibold text-slate-900">
            {t('archive.heading', { node })}
          </h2>
          {view && (
            <span
              data-testid={`archive-count-${node}`}
              data-count={view.window.total}
              className="text-sm text-slate-600 tabular-nums"
            >
              {t('archive.count', { count: view.window.total.toLocaleString(lang) })}
            </span>
          )}
        </div>
        {ready && (
          <p className="text-xs text-slate-600" title={t('archive.dirHint', { node })}>
            {t('archive.dirLabel')} <code className="font-mono break-all text-slate-800">{ready.dir}</code>
          </p>
        )}
        {view && (
          <ul aria-label={t('archive.countsLabel')} className="flex flex-wrap gap-1">
            {archiveKinds
              .filter((k) => k === 'segment' || view.counts[k] > 0)
              .map((k) => (
                <li
                  key={k}
                  data-testid={`archive-kind-count-${node}-${k}`}
                  className={`rounded px-1.5 py-0.5 text-xs ${kindClass[k]}`}
                >
                  {t('archive.kindCount', { kind: t(`archive.kind.${k}`), count: view.counts[k] })}
                </li>
              ))}
          </ul>
        )}
      </header>

      <div className="px-4 py-3 text-sm">
        {archive.status === 'error' && (
          <p role="alert" className="text-red-800">
            {t('archive.error', { node, message: archive.problem.message })}
          </p>
        )}
        {ready?.problem && (
          <p role="status" className="mb-2 text-amber-800">
            {t('archive.stale', { message: ready.problem.message })}
          </p>
        )}
        {view && view.arriving.length > 0 && (
          <div
            role="status"
            data-testid={`archive-arriving-${node}`}
            data-count={view.arriving.length}
            className="mb-2 rounded border border-emerald-200 bg-emerald-50 px-3 py-2 text-xs text-emerald-900"
          >
            <p className="font-medium">{t('archive.arriving.heading')}</p>
            <ul>
              {view.arriving.map((e) => (
                <li key={e.name} data-testid={`archive-arriving-entry-${arrivingTarget(e.name)}`}>
                  {t('archive.arriving.entry', {
                    file: arrivingTarget(e.name),
                    temp: e.name,
                    size: humanBytes(e.size),
                  })}
                </li>
              ))}
            </ul>
          </div>
        )}
        {ready && !ready.exists && <p className="text-slate-600">{t('archive.missing')}</p>}
        {ready?.exists && view?.window.total === 0 && <p className="text-slate-600">{t('archive.empty')}</p>}
        {view && view.window.rows.length > 0 && (
          <div
            // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling box with no control inside must take focus, or the keyboard cannot scroll it (WCAG 2.1.1)
            tabIndex={0}
            className="max-h-96 overflow-auto focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-sky-600"
          >
            <table aria-label={t('archive.tableLabel', { node })} className="w-full text-left text-sm">
              <thead className="sticky top-0 bg-white text-xs text-slate-600">
                <tr>
                  <th className="px-3 py-1 font-medium">{t('archive.col.name')}</th>
                  <th className="px-3 py-1 font-medium">{t('archive.col.kind')}</th>
                  <th className="px-3 py-1 text-right font-medium">{t('archive.col.size')}</th>
                  <th className="px-3 py-1 font-medium">{t('archive.col.mtime')}</th>
                </tr>
              </thead>
              <tbody>
                {view.window.rows.map((e) => (
                  <EntryRow key={e.name} entry={e} />
                ))}
              </tbody>
            </table>
          </div>
        )}
        {view && view.window.hidden > 0 && (
          <p className="mt-2 text-xs text-slate-600">
            {t('archive.hidden', {
              count: view.window.hidden.toLocaleString(lang),
              limit: ARCHIVE_ROW_LIMIT,
            })}
          </p>
        )}
      </div>
    </section>
  );
}
