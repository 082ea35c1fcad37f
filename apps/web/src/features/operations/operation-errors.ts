import { RequestError } from '../../api/get-json.ts';
import type { MessageKey, MessageVars } from '../../i18n/catalog.ts';

/** A failed request, as a message the page can translate. */
export interface ProblemText {
  key: MessageKey;
  vars?: MessageVars;
  /** The session is gone: the page should go back to the login form. */
  sessionEnded?: boolean;
}

/** Why starting (or planning) an operation failed, in words that say what to do next. */
export function operationProblem(err: unknown): ProblemText {
  if (!(err instanceof RequestError)) {
    return {
      key: 'operations.error.unexpected',
      vars: { message: err instanceof Error ? err.message : String(err) },
    };
  }
  const p = err.problem;
  if (p.kind === 'unreachable') return { key: 'operations.error.unreachable' };
  if (p.kind === 'not-json')
    return { key: 'operations.error.server', vars: { status: p.status, message: '' } };
  if (p.status === 401) return { key: 'operations.error.session', sessionEnded: true };
  if (p.status === 403) return { key: 'operations.error.forbidden', vars: { message: p.message } };
  if (p.code === 'WB_ERR_CLUSTER_BUSY') return { key: 'operations.error.busy', vars: { message: p.message } };
  if (p.code === 'WB_ERR_CONFIRM_REQUIRED') return { key: 'operations.error.confirmRequired' };
  if (p.status === 400) return { key: 'operations.error.invalid', vars: { message: p.message } };
  // The server's own words say which node and what to do (node down, nothing to do, unknown node…).
  if (p.status < 500 || p.status === 503)
    return { key: 'operations.error.refused', vars: { message: p.message } };
  return { key: 'operations.error.server', vars: { status: p.status, message: p.message } };
}

/** Why the operation history could not be loaded. */
export function historyProblem(err: unknown): ProblemText {
  const p = operationProblem(err);
  return p.key === 'operations.error.forbidden' ||
    p.key === 'operations.error.unreachable' ||
    p.key === 'operations.error.session'
    ? p
    : {
        key: 'operations.error.history',
        vars: { message: err instanceof Error ? err.message : String(err) },
      };
}

/** Why a cancel request failed. The operation having ended already is an answer, not a fault. */
export function cancelProblem(err: unknown): ProblemText {
  if (!(err instanceof RequestError)) {
    return {
      key: 'operations.run.cancelFailed',
      vars: { message: err instanceof Error ? err.message : String(err) },
    };
  }
  const p = err.problem;
  if (p.kind === 'unreachable') return { key: 'operations.run.cancelUnreachable' };
  if (p.kind === 'not-json')
    return { key: 'operations.run.cancelFailed', vars: { message: `HTTP ${p.status}` } };
  if (p.code === 'WB_ERR_OPERATION_NOT_RUNNING') return { key: 'operations.run.cancelNotRunning' };
  return {
    key: 'operations.run.cancelFailed',
    vars: { message: p.message },
    ...(p.status === 401 ? { sessionEnded: true } : {}),
  };
}
