import { useId } from 'react';
import type { MessageKey } from '../../i18n/catalog.ts';
import { useI18n } from '../../i18n/i18n.tsx';
import { formatMs } from './durations.ts';
import type { PlanPhase } from './plan-view.ts';
import { labelKeyOf } from './type-labels.ts';

/** A switchover's phases have names of their own (their type is the operation itself). */
const SWITCHOVER_PHASES: Record<string, MessageKey> = {
  prepare: 'operations.switchover.phase.prepare',
  'stop-writes': 'operations.switchover.phase.stop-writes',
  verify: 'operations.switchover.phase.verify',
  promote: 'operations.switchover.phase.promote',
  rejoin: 'operations.switchover.phase.rejoin',
  repoint: 'operations.switchover.phase.repoint',
};

/**
 * A phase of a composite operation: its operation and node in the page's language (the server's
 * English title stays as the tooltip), and a badge when its steps are only a forecast.
 */
export function PhaseHeading({ phase, durationMs = null }: { phase: PlanPhase; durationMs?: number | null }) {
  const { t } = useI18n();
  const key = labelKeyOf(phase.type);
  const own = phase.type === 'switchover' ? SWITCHOVER_PHASES[phase.id] : undefined;
  const hintId = useId();
  return (
    <div className="flex flex-wrap items-center gap-2">
      <h4 className="text-sm font-semibold text-slate-900" title={phase.title}>
        {own
          ? t(own, { node: phase.node })
          : key
            ? t('operations.plan.phaseHeading', { operation: t(key), node: phase.node })
            : phase.title}
      </h4>
      {durationMs !== null && (
        <span data-testid="operation-phase-duration" className="font-mono text-xs text-slate-600">
          {t('operations.run.duration', { duration: formatMs(durationMs) })}
        </span>
      )}
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
