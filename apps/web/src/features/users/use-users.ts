import type { User } from '@walboard/shared/auth';
import { useCallback, useEffect, useState } from 'react';
import { isUnauthenticated } from '../../api/get-json.ts';
import { type ProblemText, problemText } from '../session/request-problem.ts';
import { listUsers } from './users-api.ts';

export type UsersState =
  | { status: 'loading' }
  | { status: 'ready'; users: readonly User[] }
  | { status: 'error'; problem: ProblemText };

/** GET /api/users, again whenever `reload` is called (after each change). */
export function useUsers(): { users: UsersState; reload: () => void } {
  const [users, setUsers] = useState<UsersState>({ status: 'loading' });
  const [attempt, setAttempt] = useState(0);
  const reload = useCallback(() => setAttempt((n) => n + 1), []);

  // biome-ignore lint/correctness/useExhaustiveDependencies: attempt is the reload trigger
  useEffect(() => {
    const abort = new AbortController();
    listUsers(abort.signal).then(
      (list) => setUsers({ status: 'ready', users: list }),
      (err: unknown) => {
        // A 401 already sent the page back to the login form (see SessionGate).
        if (abort.signal.aborted || isUnauthenticated(err)) return;
        setUsers({ status: 'error', problem: problemText(err) });
      },
    );
    return () => abort.abort();
  }, [attempt]);

  return { users, reload };
}
