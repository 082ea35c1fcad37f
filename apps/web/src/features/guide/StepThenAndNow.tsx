import type { LabStepId } from '@walboard/shared/guide';
import { useI18n } from '../../i18n/i18n.tsx';
import { ThenAndNow } from '../then-and-now/ThenAndNow.tsx';
import { rowsForStep } from '../then-and-now/then-and-now-view.ts';
import type { ThenAndNowState } from '../then-and-now/use-then-and-now.ts';

/** A step's configuration items as the 9.1 guide writes them and as this version does; none: nothing shown. */
export function StepThenAndNow({ step, state }: { step: LabStepId; state: ThenAndNowState }) {
  const { t } = useI18n();
  if (state.status === 'loading') return null;
  if (state.status === 'error')
    return (
      <p data-testid="lab-then-now-error" className="text-sm text-slate-700">
        {t('thenNow.error', { message: state.message })}
      </p>
    );
  const rows = rowsForStep(state.table.rows, step);
  if (rows.length === 0) return null;
  return (
    <details open data-testid="lab-then-now" className="rounded border border-slate-200 px-3 py-2">
      <summary className="cursor-pointer text-sm font-semibold text-slate-900 focus-visible:outline-2 focus-visible:outline-sky-600">
        {t('thenNow.heading')}
      </summary>
      <div className="mt-2 min-w-0">
        <ThenAndNow rows={rows} major={state.table.major} />
      </div>
    </details>
  );
}
