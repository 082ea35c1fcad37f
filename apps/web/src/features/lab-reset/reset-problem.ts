import { RequestError } from '../../api/get-json.ts';
import type { MessageKey, MessageVars } from '../../i18n/catalog.ts';

/** Why a lab reset did not happen or did not finish, as a message the page translates. */
export interface ResetProblem {
  key: MessageKey;
  vars?: MessageVars;
  /** The session is gone: the page should go back to the login form. */
  sessionEnded?: boolean;
}

export function resetProblem(err: unknown): ResetProblem {
  if (!(err instanceof RequestError))
    return {
      key: 'labReset.error.failed',
      vars: { message: err instanceof Error ? err.message : String(err) },
    };
  const p = err.problem;
  if (p.kind === 'unreachable') return { key: 'labReset.error.unreachable' };
  if (p.kind === 'not-json') return { key: 'labReset.error.answer' };
  if (p.status === 401) return { key: 'labReset.error.session', sessionEnded: true };
  if (p.status === 403) return { key: 'labReset.error.forbidden' };
  // The server's words name the operation that holds the cluster and who started it.
  if (p.code === 'WB_ERR_CLUSTER_BUSY') return { key: 'labReset.error.busy', vars: { message: p.message } };
  return { key: 'labReset.error.failed', vars: { message: p.message } };
}
