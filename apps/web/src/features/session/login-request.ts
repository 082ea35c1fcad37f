import type { LoginBody } from '@walboard/shared/auth';
import { type LoginOutcome, loginOutcome } from './login-outcome.ts';

/**
 * POST /api/session. Not through sendJson: the login form needs the Retry-After header of a
 * 429, and there is no CSRF token before there is a session.
 */
export async function requestLogin(body: LoginBody): Promise<LoginOutcome> {
  let res: Response;
  try {
    res = await fetch('/api/session', {
      method: 'POST',
      credentials: 'same-origin',
      headers: { accept: 'application/json', 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  } catch {
    return { kind: 'unreachable' };
  }
  const parsed: unknown = await res.json().catch(() => null);
  return loginOutcome(res.status, parsed, res.headers.get('retry-after'), Date.now());
}
