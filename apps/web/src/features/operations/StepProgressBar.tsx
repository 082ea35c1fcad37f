import type { StepProgress } from '@walboard/shared/operations';
import { useId } from 'react';
import { useI18n } from '../../i18n/i18n.tsx';
import { progressView } from './step-progress.ts';

/**
 * A copy's progress: a <progress> element (its width needs no inline style, which the page's
 * CSP forbids) and the numbers beside it. Without a total the bar is indeterminate.
 */
export function StepProgressBar({ progress, number }: { progress: StepProgress; number: number }) {
  const { t } = useI18n();
  const labelId = useId();
  const v = progressView(progress);
  const parts = [
    v.total === null
      ? t('operations.progress.doneOnly', { done: v.done })
      : t('operations.progress.ofTotal', { done: v.done, total: v.total }),
    v.percent === null ? null : t('operations.progress.percent', { percent: v.percent }),
    v.rate === null ? null : t('operations.progress.rate', { rate: v.rate }),
    v.eta === null ? null : t('operations.progress.eta', { eta: v.eta }),
    v.phase === null ? null : t('operations.progress.phase', { phase: v.phase }),
  ].filter((p): p is string => p !== null);
  return (
    <div
      data-testid="operation-step-progress"
      data-done={progress.doneBytes}
      data-total={progress.totalBytes ?? undefined}
      data-percent={v.percent ?? undefined}
      className="space-y-0.5"
    >
      <span id={labelId} className="sr-only">
        {t('operations.progress.label', { number })}
      </span>
      {v.bar ? (
        <progress
          aria-labelledby={labelId}
          value={v.bar.value}
          max={v.bar.max}
          className="h-2 w-full accent-sky-700"
        />
      ) : (
        <progress aria-labelledby={labelId} className="h-2 w-full accent-sky-700" />
      )}
      <p className="font-mono text-xs text-slate-700">{parts.join(' · ')}</p>
    </div>
  );
}
