import type { Operation } from '@walboard/shared/operations';
import { useId } from 'react';
import { useI18n } from '../../i18n/i18n.tsx';
import { useCan } from '../session/session-context.ts';
import { knownType, typeLabel } from './type-labels.ts';

/**
 * What is safe to do after a failure, a cancel or an interruption, in the server's words, and
 * (for operators, where the page can open the dialog) a button to plan the same operation again.
 */
export function NextAction({
  operation,
  onPlanAgain,
}: {
  operation: Operation;
  /** Absent where no dialog can open (the history page). */
  onPlanAgain?: () => void;
}) {
  const { t } = useI18n();
  const canOperate = useCan('operator');
  const hintId = useId();
  if (!operation.nextAction) return null;
  const type = knownType(operation.type);
  return (
    <div
      data-testid="operation-next-action"
      className="space-y-1 rounded border border-amber-300 bg-amber-50 px-3 py-2 text-sm text-amber-950"
    >
      <p className="font-semibold">{t('operations.run.nextAction')}</p>
      <p>{operation.nextAction}</p>
      {onPlanAgain && canOperate && type && operation.state !== 'running' && (
        <div className="flex flex-wrap items-center gap-2 pt-1">
          <button
            type="button"
            data-testid="operation-plan-again"
            aria-describedby={hintId}
            onClick={onPlanAgain}
            className="rounded border border-sky-700 bg-white px-3 py-1 text-sm font-semibold text-sky-800 hover:bg-sky-50 focus-visible:outline-2 focus-visible:outline-sky-600"
          >
            {t('operations.run.planAgain')}
          </button>
          <span id={hintId} className="text-xs text-amber-900">
            {t('operations.run.planAgainHint', { operation: t(typeLabel[type]), node: operation.node })}
          </span>
        </div>
      )}
    </div>
  );
}
