import type { SessionInfo } from '@walboard/shared/auth';
import { type ReactNode, useCallback, useEffect, useMemo, useReducer, useState } from 'react';
import { getJson, isUnauthenticated, onUnauthenticated, RequestError } from '../../api/get-json.ts';
import { sendJson } from '../../api/send-json.ts';
import { LoginPage } from './LoginPage.tsx';
import { requestLinkSignIn, takeLinkToken } from './login-request.ts';
import { SessionCheckNotice } from './SessionCheckNotice.tsx';
import { SessionContext, type SessionValue } from './session-context.ts';
import { gateReducer, initialGateState } from './session-state.ts';

/**
 * Asks the controller who is signed in (GET /api/session) and renders the login form until
 * someone is; only then the app (and with it the live socket) mounts.
 */
export function SessionGate({ children }: { children: ReactNode }) {
  const [state, dispatch] = useReducer(gateReducer, initialGateState);
  const [attempt, setAttempt] = useState(0);

  // Any 401 from any GET means the session ended on the server (logout elsewhere, expiry, deleted user).
  useEffect(() => onUnauthenticated(() => dispatch({ type: 'expired' })), []);

  // biome-ignore lint/correctness/useExhaustiveDependencies: attempt is the retry trigger
  useEffect(() => {
    const abort = new AbortController();
    dispatch({ type: 'check' });
    // Opened with the lab's one-time link: spend it first; a refused link says so on the form.
    const token = takeLinkToken();
    const viaLink = token === null ? Promise.resolve(undefined) : requestLinkSignIn(token);
    viaLink.then(async (linked) => {
      if (abort.signal.aborted) return;
      if (linked) return dispatch({ type: 'signed-in', info: linked });
      try {
        dispatch({ type: 'signed-in', info: await getJson<SessionInfo>('/api/session', abort.signal) });
      } catch (err: unknown) {
        if (abort.signal.aborted) return;
        if (isUnauthenticated(err)) dispatch({ type: 'no-session', linkRefused: linked === null });
        else
          dispatch({
            type: 'check-failed',
            problem: err instanceof RequestError ? err.problem : { kind: 'unreachable' },
          });
      }
    });
    return () => abort.abort();
  }, [attempt]);

  const info = state.status === 'signed-in' ? state.info : null;
  const expired = useCallback((why?: string) => dispatch({ type: 'expired', why }), []);
  const value = useMemo<SessionValue | null>(
    () =>
      info && {
        info,
        expired,
        logout: async () => {
          try {
            await sendJson('DELETE', '/api/session', {}, info.csrfToken);
          } catch (err) {
            // Already gone on the server: that is what logging out wanted.
            if (!isUnauthenticated(err)) throw err;
          }
          dispatch({ type: 'logged-out' });
        },
      },
    [info, expired],
  );

  if (value) return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
  switch (state.status) {
    case 'checking':
    case 'unreachable':
      return <SessionCheckNotice state={state} onRetry={() => setAttempt((n) => n + 1)} />;
    case 'signed-out':
      return (
        <LoginPage
          reason={state.reason}
          why={state.why}
          onSignedIn={(i) => dispatch({ type: 'signed-in', info: i })}
        />
      );
    case 'signed-in':
      return null;
  }
}
