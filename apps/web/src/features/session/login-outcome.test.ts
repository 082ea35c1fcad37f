import { describe, expect, it } from 'vitest';
import { loginInputValid, loginOutcome, parseRetryAfter, secondsLeft } from './login-outcome.ts';

const now = Date.parse('2026-01-01T12:00:00Z');
const info = {
  username: 'alice',
  role: 'operator',
  clusters: ['main'],
  csrfToken: 'abc',
  autoLogin: false,
  expiresAt: '2026-01-02T12:00:00Z',
};

describe('parseRetryAfter', () => {
  it('reads delay-seconds', () => {
    expect(parseRetryAfter('42', now)).toBe(42);
    expect(parseRetryAfter(' 7 ', now)).toBe(7);
  });

  it('never says 0 s (the form would unlock while the server still refuses)', () => {
    expect(parseRetryAfter('0', now)).toBe(1);
  });

  it('reads an HTTP date', () => {
    expect(parseRetryAfter('Thu, 01 Jan 2026 12:00:30 GMT', now)).toBe(30);
  });

  it('falls back to a minute when the header is missing or garbage', () => {
    expect(parseRetryAfter(null, now)).toBe(60);
    expect(parseRetryAfter('soon', now)).toBe(60);
    expect(parseRetryAfter('-5', now)).toBe(60);
  });
});

describe('loginOutcome', () => {
  it('accepts a session only when it has the SessionInfo shape', () => {
    expect(loginOutcome(200, info, null, now)).toEqual({ kind: 'ok', info });
    expect(loginOutcome(200, '<html>', null, now)).toMatchObject({ kind: 'error' });
  });

  it('maps 401 to "wrong user or password" and 429 to a wait', () => {
    expect(loginOutcome(401, { error: 'WB_ERR_BAD_LOGIN', message: 'x' }, null, now)).toEqual({
      kind: 'bad-login',
    });
    expect(loginOutcome(429, { error: 'WB_ERR_RATE_LIMITED', message: 'x' }, '12', now)).toEqual({
      kind: 'rate-limited',
      seconds: 12,
    });
  });

  it("shows other errors with the server's message, or the status", () => {
    expect(loginOutcome(500, { error: 'WB_ERR_INTERNAL', message: 'internal error' }, null, now)).toEqual({
      kind: 'error',
      message: 'internal error',
    });
    expect(loginOutcome(502, null, null, now)).toEqual({ kind: 'error', message: 'HTTP 502' });
  });
});

describe('loginInputValid', () => {
  it('needs both fields', () => {
    expect(loginInputValid('alice', 'pw')).toBe(true);
    expect(loginInputValid('', 'pw')).toBe(false);
    expect(loginInputValid('   ', 'pw')).toBe(false);
    expect(loginInputValid('alice', '')).toBe(false);
  });
});

describe('secondsLeft', () => {
  it('rounds up and stops at 0', () => {
    expect(secondsLeft(now + 1500, now)).toBe(2);
    expect(secondsLeft(now - 10, now)).toBe(0);
  });
});
