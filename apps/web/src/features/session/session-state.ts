import type { SessionInfo } from '@walboard/shared/auth';
import type { RequestProblem } from '../../api/get-json.ts';

/** Why the login form is showing: said above the form so a sudden sign-out is not a mystery. */
export type SignedOutReason = 'none' | 'expired' | 'logged-out' | 'link-refused';

export type GateState =
  | { status: 'checking' }
  /** GET /api/session failed for another reason than "no session": offer a retry. */
  | { status: 'unreachable'; problem: RequestProblem }
  /** why: the server's own words, when it said why the session ended. */
  | { status: 'signed-out'; reason: SignedOutReason; why?: string | undefined }
  | { status: 'signed-in'; info: SessionInfo };

export type GateAction =
  | { type: 'check' }
  | { type: 'signed-in'; info: SessionInfo }
  /** linkRefused: the page was opened with the lab's sign-in link and the server refused it. */
  | { type: 'no-session'; linkRefused?: boolean }
  | { type: 'check-failed'; problem: RequestProblem }
  | { type: 'expired'; why?: string | undefined }
  | { type: 'logged-out' };

export const initialGateState: GateState = { status: 'checking' };

/** The session gate's whole life: checking → signed in / out, and back. */
export function gateReducer(state: GateState, action: GateAction): GateState {
  switch (action.type) {
    case 'check':
      return { status: 'checking' };
    case 'signed-in':
      return { status: 'signed-in', info: action.info };
    case 'no-session':
      // A 401 while the login form already shows (the probe itself, a late request) changes nothing.
      // A refused link is said even if a 401 elsewhere already showed the form.
      if (action.linkRefused) return { status: 'signed-out', reason: 'link-refused' };
      return state.status === 'signed-out' ? state : { status: 'signed-out', reason: 'none' };
    case 'check-failed':
      return state.status === 'checking' ? { status: 'unreachable', problem: action.problem } : state;
    case 'expired':
      // Only a session that was there can expire; a 401 during the first check is just "not signed in".
      if (state.status === 'signed-in') return { status: 'signed-out', reason: 'expired', why: action.why };
      return state.status === 'signed-out' ? state : { status: 'signed-out', reason: 'none' };
    case 'logged-out':
      return { status: 'signed-out', reason: 'logged-out' };
  }
}
