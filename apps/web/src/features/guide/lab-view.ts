import type { LabProgress, LabStepState, LabText } from '@walboard/shared/guide';
import type { Operation, OperationRequest } from '@walboard/shared/operations';
import { catalogs, type MessageKey, type MessageVars } from '../../i18n/catalog.ts';

/**
 * The run of a step: the newest operation of its type on its node started in this run of the lab,
 * whoever started it (the Lab view, a node's Actions menu, the API). `operations` is newest first.
 */
export function stepOperation(
  operations: readonly Operation[],
  request: Pick<OperationRequest, 'type' | 'node'>,
  since: string,
): Operation | null {
  return (
    operations.find((o) => o.type === request.type && o.node === request.node && o.createdAt >= since) ?? null
  );
}

export type StepShownState = 'passed' | 'failed' | 'pending';

export function shownState(step: LabStepState): StepShownState {
  return step.check?.state ?? 'pending';
}

export function checkedCount(progress: LabProgress): number {
  return progress.steps.filter((s) => s.check?.state === 'passed').length;
}

/** A Check's sentence as a catalog key and values; a key this page does not know shows as is. */
export function labTextMessage(text: LabText): { key: MessageKey; vars: MessageVars } | null {
  return Object.hasOwn(catalogs.en, text.key) ? { key: text.key as MessageKey, vars: text.params } : null;
}
