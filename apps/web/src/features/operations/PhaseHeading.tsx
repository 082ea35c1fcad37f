import { useId } from 'react';
import { useI18n } from '../../i18n/i18n.tsx';
import type { PlanPhase } from './plan-view.ts';
import { labelKeyOf } from './type-labels.ts';

/**
 * A phase of a composite operation: its operation and node in the page's language (the server's
 * English title stays as the tooltip), and a badge when its steps are only a forecast.
 */
export function PhaseHeading({ phase }: { phase: PlanPhase }) {
  const { t } = useI18n();
  const key = labelKeyOf(phase.type);
  const hintId = useId();
  return (
    <div className="flex flex-wrap items-center gap-2">
      <h4 className="text-sm font-semibold text-slate-900" title={phase.title}>
        {key ? t('operations.plan.phaseHeading', { operation: t(key), node: phase.node }) : phase.title}
      </h4>
      {!phase.final && (
        <>
          <span
            data-testid="plan-phase-replanned"
            aria-describedby={hintId}
            title={t('operations.plan.plannedWhenReachedHint')}
            className="rounded bg-amber-100 px-1.5 py-0.5 text-xs font-semibold text-amber-900"
          >
            {t('operations.plan.plannedWhenReached')}
          </span>
          <span id={hintId} className="sr-only">
            {t('operations.plan.plannedWhenReachedHint')}
          </span>
        </>
      )}
    </div>
  );
}
