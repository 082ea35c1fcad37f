import type { LoginBody, SessionInfo } from '@walboard/shared/auth';
import { type LoginOutcome, loginOutcome } from './login-outcome.ts';

/**
 * The token of the lab's one-time sign-in link, taken out of the address bar at once (it must not
 * stay in the history or be copied along with the URL); null when the page was opened without one.
 */
export function takeLinkToken(): string | null {
  const url = new URL(window.location.href);
  const token = url.searchParams.get('token');
  if (token === null) return null;
  url.searchParams.delete('token');
  window.history.replaceState(window.history.state, '', `${url.pathname}${url.search}${url.hash}`);
  return token;
}

/** POST /api/session/link: signs this browser in with the lab's link; null when refused. */
export async function requestLinkSignIn(token: string): Promise<SessionInfo | null> {
  try {
    const res = await fetch('/api/session/link', {
      method: 'POST',
      credentials: 'same-origin',
      headers: { accept: 'application/json', 'content-type': 'application/json' },
      body: JSON.stringify({ token }),
    });
    return res.ok ? ((await res.json()) as SessionInfo) : null;
  } catch {
    return null;
  }
}

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
