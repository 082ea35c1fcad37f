import { useCallback, useState } from 'react';
import { isUnauthenticated } from '../../api/get-json.ts';
import type { MessageKey, MessageVars } from '../../i18n/catalog.ts';
import { problemText } from '../session/request-problem.ts';
import { useSession } from '../session/session-context.ts';

export interface Feedback {
  tone: 'ok' | 'error';
  key: MessageKey;
  vars?: MessageVars;
}

/**
 * Runs one change (create, role, password, delete) and says how it went. 403 keeps the page
 * and says the role does not allow it; 401 goes back to the login form.
 */
export function useUserAction(onDone: () => void) {
  const { info, expired } = useSession();
  const [feedback, setFeedback] = useState<Feedback | null>(null);
  const [busy, setBusy] = useState(false);

  const run = useCallback(
    async (change: (csrf: string) => Promise<unknown>, done: Omit<Feedback, 'tone'>): Promise<boolean> => {
      setBusy(true);
      setFeedback(null);
      try {
        await change(info.csrfToken);
        setFeedback({ tone: 'ok', ...done });
        onDone();
        return true;
      } catch (err) {
        if (isUnauthenticated(err)) {
          expired();
          return false;
        }
        setFeedback({ tone: 'error', ...problemText(err) });
        // The list may have changed under us (someone else deleted the user): show what is true now.
        onDone();
        return false;
      } finally {
        setBusy(false);
      }
    },
    [info.csrfToken, expired, onDone],
  );

  return { run, busy, feedback };
}
