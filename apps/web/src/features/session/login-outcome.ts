import { loginBodySchema, type SessionInfo, sessionInfoSchema } from '@walboard/shared/auth';

export type LoginOutcome =
  | { kind: 'ok'; info: SessionInfo }
  | { kind: 'bad-login' }
  | { kind: 'rate-limited'; seconds: number }
  | { kind: 'unreachable' }
  /** Anything else: the server's own message (or the HTTP status when there is none). */
  | { kind: 'error'; message: string };

// When a 429 comes without a usable Retry-After, waiting this long is a safe guess.
const defaultRetrySeconds = 60;

/** Seconds to wait from a Retry-After header: delay-seconds or an HTTP date, at least 1. */
export function parseRetryAfter(header: string | null, nowMs: number): number {
  const value = header?.trim() ?? '';
  if (/^\d+$/.test(value)) return Math.max(1, Number.parseInt(value, 10));
  // HTTP dates start with the day name ("Thu, 01 Jan …"); Date.parse alone would take "-5" as a year.
  const date = /^[A-Za-z]{3}, /.test(value) ? Date.parse(value) : Number.NaN;
  if (Number.isFinite(date)) return Math.max(1, Math.ceil((date - nowMs) / 1000));
  return defaultRetrySeconds;
}

/** What a POST /api/session answer means for the login form. */
export function loginOutcome(
  status: number,
  body: unknown,
  retryAfter: string | null,
  nowMs: number,
): LoginOutcome {
  if (status === 200) {
    const info = sessionInfoSchema.safeParse(body);
    return info.success
      ? { kind: 'ok', info: info.data }
      : { kind: 'error', message: `HTTP ${status}: the answer is not a walboard session` };
  }
  if (status === 401) return { kind: 'bad-login' };
  if (status === 429) return { kind: 'rate-limited', seconds: parseRetryAfter(retryAfter, nowMs) };
  const message =
    typeof body === 'object' && body !== null && typeof (body as { message?: unknown }).message === 'string'
      ? (body as { message: string }).message
      : `HTTP ${status}`;
  return { kind: 'error', message };
}

/** The login form's own check before sending: both fields filled, within the server's bounds. */
export function loginInputValid(username: string, password: string): boolean {
  return loginBodySchema.safeParse({ username: username.trim(), password }).success;
}

/** Whole seconds left until `untilMs`, never below 0 (what the countdown shows). */
export function secondsLeft(untilMs: number, nowMs: number): number {
  return Math.max(0, Math.ceil((untilMs - nowMs) / 1000));
}
