import type { PromotionResult as Promotion } from '@walboard/shared/operations';
import { useId } from 'react';
import { useI18n } from '../../i18n/i18n.tsx';

/** The new timeline a promotion started and the .history file PostgreSQL wrote for it. */
export function PromotionResult({ promotion }: { promotion: Promotion }) {
  const { t } = useI18n();
  const headingId = useId();
  return (
    <section
      aria-labelledby={headingId}
      data-testid="operation-promotion"
      data-timeline={promotion.timeline}
      className="space-y-1 rounded border border-green-300 bg-green-50 px-3 py-2 text-sm text-green-950"
    >
      <h3 id={headingId} className="font-semibold">
        {t('operations.run.promotion')}
      </h3>
      <p>{t('operations.run.timeline', { timeline: promotion.timeline })}</p>
      <p className="text-xs">
        {t('operations.run.historyFile')} <code className="font-mono break-all">{promotion.historyFile}</code>
      </p>
      <pre
        data-testid="operation-promotion-history"
        // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling box with no control inside must take focus, or the keyboard cannot scroll it (WCAG 2.1.1)
        tabIndex={0}
        className="max-h-48 overflow-auto rounded border border-green-200 bg-white p-2 font-mono text-xs whitespace-pre-wrap text-slate-900 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-sky-600"
      >
        {promotion.history}
      </pre>
    </section>
  );
}
