import type { OperationPlan } from '@walboard/shared/operations';

/** Stable codes of the operations API (the page and scripts match on these). */
export const OperationErrorCodes = {
  noCluster: 'WB_ERR_NO_CLUSTER',
  noNode: 'WB_ERR_NO_NODE',
  invalid: 'WB_ERR_INVALID_OPERATION',
  busy: 'WB_ERR_CLUSTER_BUSY',
  confirmRequired: 'WB_ERR_CONFIRM_REQUIRED',
  refused: 'WB_ERR_OPERATION_REFUSED',
  nodeUnavailable: 'WB_ERR_NODE_UNAVAILABLE',
  noOperation: 'WB_ERR_NO_OPERATION',
  forbidden: 'WB_ERR_FORBIDDEN',
  notRunning: 'WB_ERR_OPERATION_NOT_RUNNING',
} as const;

/** An operation that was not started: HTTP status, stable code, node and what to do. */
export class OperationError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly node?: string,
    /** Set with WB_ERR_CONFIRM_REQUIRED: the plan the page shows before asking again. */
    readonly plan?: OperationPlan,
  ) {
    super(message);
    this.name = 'OperationError';
  }
}
