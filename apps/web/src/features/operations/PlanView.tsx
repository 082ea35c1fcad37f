import type { OperationPlan } from '@walboard/shared/operations';
import { useI18n } from '../../i18n/i18n.tsx';
import { LossCheckBox } from './LossCheckBox.tsx';
import { PhaseHeading } from './PhaseHeading.tsx';
import { groupByPhase, type StepRow, stepRows } from './plan-view.ts';
import { CriticalMark, StepDetails, StepKind } from './StepDetails.tsx';

function PlanStepItem({ row }: { row: StepRow }) {
  return (
    <li
      data-testid={`plan-step-${row.index}`}
      data-kind={row.kind}
      data-critical={row.critical ? 'true' : undefined}
      className="space-y-1 rounded border border-slate-200 p-2"
    >
      <div className="flex flex-wrap items-baseline gap-2">
        <span className="font-mono text-xs text-slate-500">{row.index + 1}.</span>
        <StepKind row={row} />
        <span className="min-w-0 text-sm wrap-anywhere text-slate-900">{row.title}</span>
        {row.critical && <CriticalMark />}
      </div>
      <StepDetails row={row} />
    </li>
  );
}

/**
 * What an operation will do, step by step, before anything runs (the dry run's answer). A
 * promotion's loss check comes first: it is what the user must weigh before reading the steps.
 */
export function PlanView({ plan }: { plan: OperationPlan }) {
  const { t } = useI18n();
  const rows = stepRows(plan.steps);
  const groups = groupByPhase(rows, plan.phases);
  return (
    <section
      data-testid="operation-plan"
      data-destructive={String(plan.destructive)}
      data-refused={plan.refusal !== undefined ? 'true' : undefined}
      aria-label={t('operations.plan.heading')}
      className="space-y-2"
    >
      {plan.lossCheck && <LossCheckBox lossCheck={plan.lossCheck} node={plan.node} />}
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
      {rows.length === 0 && groups.length === 0 ? (
        // A refused plan has no steps: "nothing to do" would contradict the refusal shown below.
        plan.refusal === undefined && <p className="text-sm text-slate-700">{t('operations.plan.nothing')}</p>
      ) : (
        <ol className="space-y-3">
          {groups.map((group) =>
            group.phase === null ? (
              group.rows.map((row) => <PlanStepItem key={row.index} row={row} />)
            ) : (
              <li
                key={`phase-${group.phase.id}`}
                data-testid="plan-phase"
                data-phase={group.phase.id}
                data-final={String(group.phase.final)}
                className="space-y-2"
              >
                <PhaseHeading phase={group.phase} />
                {group.rows.length === 0 ? (
                  <p className="pl-3 text-sm text-slate-600">{t('operations.plan.phaseEmpty')}</p>
                ) : (
                  <ol className="space-y-2 border-l-2 border-slate-200 pl-3">
                    {group.rows.map((row) => (
                      <PlanStepItem key={row.index} row={row} />
                    ))}
                  </ol>
                )}
              </li>
            ),
          )}
        </ol>
      )}
    </section>
  );
}
