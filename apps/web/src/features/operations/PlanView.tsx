import type { OperationPlan } from '@walboard/shared/operations';
import { useI18n } from '../../i18n/i18n.tsx';
import { stepRows } from './plan-view.ts';
import { StepDetails, StepKind } from './StepDetails.tsx';

/** What an operation will do, step by step, before anything runs (the dry run's answer). */
export function PlanView({ plan }: { plan: OperationPlan }) {
  const { t } = useI18n();
  const rows = stepRows(plan.steps);
  return (
    <section
      data-testid="operation-plan"
      data-destructive={String(plan.destructive)}
      aria-label={t('operations.plan.heading')}
      className="space-y-2"
    >
      <h3 className="text-sm font-semibold text-slate-900">
        {t('operations.plan.heading')} <span className="font-normal text-slate-600">({rows.length})</span>
      </h3>
      {plan.notes && plan.notes.length > 0 && (
        <div
          data-testid="operation-plan-notes"
          className="rounded border border-sky-200 bg-sky-50 px-3 py-2 text-sm text-sky-950"
        >
          <p className="font-semibold">{t('operations.plan.notes')}</p>
          <ul className="list-disc pl-5">
            {plan.notes.map((note) => (
              <li key={note}>{note}</li>
            ))}
          </ul>
        </div>
      )}
      {rows.length === 0 ? (
        <p className="text-sm text-slate-700">{t('operations.plan.nothing')}</p>
      ) : (
        <ol className="space-y-2">
          {rows.map((row) => (
            <li
              key={row.index}
              data-testid={`plan-step-${row.index}`}
              data-kind={row.kind}
              className="space-y-1 rounded border border-slate-200 p-2"
            >
              <div className="flex flex-wrap items-baseline gap-2">
                <span className="font-mono text-xs text-slate-500">{row.index + 1}.</span>
                <StepKind row={row} />
                <span className="text-sm text-slate-900">{row.title}</span>
              </div>
              <StepDetails row={row} />
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
