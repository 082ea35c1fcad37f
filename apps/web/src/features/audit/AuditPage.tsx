import { useState } from 'react';
import { useI18n } from '../../i18n/i18n.tsx';
import { Notice } from '../../layout/Notice.tsx';
import { buttonClass } from '../users/form-styles.ts';
import { AuditFilter } from './AuditFilter.tsx';
import { AuditRow } from './AuditRow.tsx';
import { useAudit } from './use-audit.ts';

const columns = ['time', 'user', 'source', 'action', 'target', 'result', 'message', 'detail'] as const;

/** Admins: who changed what, from where, and how it ended; newest first, paging back on demand. */
export function AuditPage() {
  const { t } = useI18n();
  const [action, setAction] = useState('');
  const { view, older, refresh } = useAudit(action);

  return (
    <section data-testid="audit-page" aria-labelledby="audit-heading" className="space-y-4">
      <div className="flex flex-wrap items-end justify-between gap-3">
        <div className="space-y-1">
          <h1 id="audit-heading" className="text-xl font-semibold text-slate-900">
            {t('audit.heading')}
          </h1>
          <p className="text-sm text-slate-600">{t('audit.intro')}</p>
        </div>
        <div className="flex flex-wrap items-center gap-2">
          <AuditFilter action={action} onChange={setAction} />
          <button type="button" data-testid="audit-refresh" onClick={refresh} className={buttonClass}>
            {t('audit.refresh')}
          </button>
        </div>
      </div>

      {view.problem && <Notice tone="error">{t(view.problem.key, view.problem.vars)}</Notice>}
      {view.loading ? (
        <Notice>{t('audit.loading')}</Notice>
      ) : view.entries.length === 0 ? (
        !view.problem && <Notice>{t('audit.empty')}</Notice>
      ) : (
        <div
          // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling box with no control inside must take focus, or the keyboard cannot scroll it (WCAG 2.1.1)
          tabIndex={0}
          className="overflow-x-auto rounded-lg border border-slate-200 bg-white focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-sky-600"
        >
          <table aria-label={t('audit.tableLabel')} className="w-full text-left">
            <thead className="bg-slate-50 text-xs uppercase tracking-wide text-slate-600">
              <tr>
                {columns.map((c) => (
                  <th key={c} className="px-3 py-2 font-semibold">
                    {t(`audit.col.${c}`)}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {view.entries.map((e) => (
                <AuditRow key={e.id} entry={e} />
              ))}
            </tbody>
          </table>
        </div>
      )}

      {!view.loading && view.entries.length > 0 && (
        <div className="flex items-center gap-3 text-sm text-slate-600">
          {view.hasOlder ? (
            <button
              type="button"
              data-testid="audit-older"
              disabled={view.fetching}
              onClick={older}
              className={buttonClass}
            >
              {t('audit.older')}
            </button>
          ) : (
            <span>{t('audit.noMore')}</span>
          )}
        </div>
      )}
    </section>
  );
}
