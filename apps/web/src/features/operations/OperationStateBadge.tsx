import type { Operation, StepRun } from '@walboard/shared/operations';
import type { MessageKey } from '../../i18n/catalog.ts';
import { useI18n } from '../../i18n/i18n.tsx';

export type ShownState = StepRun['state'] | Operation['state'];

const stateClass: Record<ShownState, string> = {
  pending: 'bg-slate-100 text-slate-700',
  running: 'bg-sky-100 text-sky-900',
  succeeded: 'bg-green-100 text-green-900',
  failed: 'bg-red-100 text-red-900',
  skipped: 'bg-slate-100 text-slate-600',
  cancelled: 'bg-amber-100 text-amber-900',
  interrupted: 'bg-orange-200 text-orange-950',
};

const stateText: Record<ShownState, MessageKey> = {
  pending: 'operations.state.pending',
  running: 'operations.state.running',
  succeeded: 'operations.state.succeeded',
  failed: 'operations.state.failed',
  skipped: 'operations.state.skipped',
  cancelled: 'operations.state.cancelled',
  interrupted: 'operations.state.interrupted',
};

/** An operation's or a step's state, coloured; data-state holds the raw value for tests. */
export function StateBadge({ state, testId }: { state: ShownState; testId?: string }) {
  const { t } = useI18n();
  return (
    <span
      data-testid={testId}
      data-state={state}
      className={`inline-flex rounded px-2 py-0.5 text-xs font-semibold whitespace-nowrap ${stateClass[state]}`}
    >
      {t(stateText[state])}
    </span>
  );
}

/** Messages of operations that did not succeed read as problems. */
export function messageClass(state: Operation['state']): string {
  return state === 'failed' || state === 'interrupted'
    ? 'text-red-900'
    : state === 'cancelled'
      ? 'text-amber-950'
      : 'text-slate-800';
}
