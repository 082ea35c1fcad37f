// Sign-in limits as an attacker and their victims meet them on a running controller behind a
// reverse proxy (trustProxy: 127.0.0.1, the client named in X-Forwarded-For):
// (a) one account guessed from many addresses backs off for every address,
// (b) another user behind one of those addresses still signs in,
// (c) a browser that signed in before (device cookie) signs in while its address is limited.
// Without trustProxy, a forged X-Forwarded-For changes nothing.
import { type AuthTestApp, startAuthTestApp } from '@walboard/server/src/auth/test-support/auth-app.ts';
import { addUser, type SignedIn, signIn } from '@walboard/server/src/auth/test-support/sign-in.ts';
import type { AuditEntry } from '@walboard/shared/audit';
import { DEVICE_COOKIE } from '@walboard/shared/auth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const PASSWORDS = { victim: 'victim-password-123', bob: 'bob-password-1234', carol: 'carol-password-123' };

async function attempt(
  url: string,
  username: string,
  password: string,
  opts: { forwardedFor?: string; cookie?: string } = {},
): Promise<{ status: number; retryAfter: string | null; setCookie: string[] }> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (opts.forwardedFor) headers['x-forwarded-for'] = opts.forwardedFor;
  if (opts.cookie) headers.cookie = opts.cookie;
  const res = await fetch(`${url}/api/session`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ username, password }),
  });
  await res.arrayBuffer();
  return {
    status: res.status,
    retryAfter: res.headers.get('retry-after'),
    setCookie: res.headers.getSetCookie(),
  };
}

async function auditOf(wb: AuthTestApp, admin: SignedIn): Promise<AuditEntry[]> {
  const res = await fetch(`${wb.url}/api/audit?action=login&limit=1000`, {
    headers: { cookie: admin.cookie },
  });
  return ((await res.json()) as { entries: AuditEntry[] }).entries;
}

describe('sign-in limits behind a trusted proxy', () => {
  let wb: AuthTestApp;
  let admin: SignedIn;
  let carolDevice: string;

  beforeAll(async () => {
    wb = await startAuthTestApp({ extraYaml: 'trustProxy: ["127.0.0.1"]' });
    admin = await signIn(wb.url);
    for (const [name, password] of Object.entries(PASSWORDS)) await addUser(wb.app, name, 'viewer', password);
    // Carol signed in from her browser before: it keeps the device cookie.
    const first = await attempt(wb.url, 'carol', PASSWORDS.carol, { forwardedFor: '198.51.100.9' });
    expect(first.status).toBe(200);
    const device = first.setCookie.find((c) => c.startsWith(`${DEVICE_COOKIE}=`));
    expect(device).toBeDefined();
    expect(device).toMatch(/HttpOnly/i);
    expect(device).toMatch(/SameSite=Strict/i);
    expect(device).toMatch(/Max-Age=\d{7,}/i);
    carolDevice = (device ?? '').split(';')[0] ?? '';
  });
  afterAll(async () => wb?.close());

  it('(a) backs one account off when it is guessed from 40 addresses, with Retry-After', async () => {
    const results = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        attempt(wb.url, 'victim', `guess-${i}`, { forwardedFor: `1.2.3.4, 203.0.113.${i + 1}` }),
      ),
    );
    const wrong = results.filter((r) => r.status === 401);
    const limited = results.filter((r) => r.status === 429);
    // Each address tried once: only the account limit can have stopped them. 5 guesses, and one
    // more for each backoff (1 s, then 2 s) that passed while the burst was still arriving.
    expect(wrong.length).toBeGreaterThanOrEqual(5);
    expect(wrong.length).toBeLessThanOrEqual(7);
    expect(limited.length).toBe(40 - wrong.length);
    for (const r of limited) expect(Number(r.retryAfter)).toBeGreaterThanOrEqual(1);
    // The wait doubles with each admitted guess: rounds of 5 from fresh addresses, each sent
    // when the previous Retry-After has passed, let exactly one through and name the next wait.
    let wait = Math.max(...limited.map((r) => Number(r.retryAfter)));
    expect(wait).toBe(2 ** (wrong.length - 5));
    let fresh = 100;
    for (let round = 0; round < 3; round++) {
      await new Promise((r) => setTimeout(r, wait * 1000 + 100));
      const results = await Promise.all(
        Array.from({ length: 5 }, (_, i) =>
          attempt(wb.url, 'victim', `again-${i}`, { forwardedFor: `203.0.113.${fresh++}` }),
        ),
      );
      expect(results.filter((r) => r.status === 401)).toHaveLength(1);
      const next = Math.max(...results.filter((r) => r.status === 429).map((r) => Number(r.retryAfter)));
      expect(next).toBe(wait * 2);
      wait = next;
    }
    // Even the right password waits now, from a fresh address without a device cookie.
    const right = await attempt(wb.url, 'victim', PASSWORDS.victim, { forwardedFor: '203.0.113.200' });
    expect(right.status).toBe(429);

    // The audit names the real client addresses, not the proxy nor the forged "1.2.3.4".
    const rows = await auditOf(wb, admin);
    const sources = new Set(rows.filter((e) => e.target === 'victim').map((e) => e.source));
    expect([...sources].every((s) => s.startsWith('203.0.113.'))).toBe(true);
    const accountRow = rows.find((e) => e.detail.limit === 'account');
    expect(accountRow?.target).toBe('victim');
    expect(accountRow?.detail.distinctSources).toBeGreaterThanOrEqual(30);
  });

  it('(b) lets another user behind one of those addresses sign in', async () => {
    const res = await attempt(wb.url, 'bob', PASSWORDS.bob, { forwardedFor: '203.0.113.7' });
    expect(res.status).toBe(200);
  });

  it('(c) lets a browser with a device cookie sign in while its address is limited', async () => {
    const address = '198.51.100.9';
    let last = 0;
    for (let i = 0; i < 25; i++) {
      last = (await attempt(wb.url, `nobody${i}`, 'wrong-password', { forwardedFor: address })).status;
    }
    expect(last).toBe(429);
    // Carol in another browser (no device cookie) from the same address: refused.
    const stranger = await attempt(wb.url, 'carol', PASSWORDS.carol, { forwardedFor: address });
    expect(stranger.status).toBe(429);
    // Carol's own browser: in.
    const own = await attempt(wb.url, 'carol', PASSWORDS.carol, {
      forwardedFor: address,
      cookie: carolDevice,
    });
    expect(own.status).toBe(200);
    // Her cookie is no pass for another user.
    const borrowed = await attempt(wb.url, 'bob', PASSWORDS.bob, {
      forwardedFor: address,
      cookie: carolDevice,
    });
    expect(borrowed.status).toBe(429);
    // Nor for guessing her own password without end: after 5 wrong ones it is an ordinary browser.
    const guesses: number[] = [];
    for (let i = 0; i < 7; i++) {
      guesses.push(
        (await attempt(wb.url, 'carol', `guess-${i}`, { forwardedFor: address, cookie: carolDevice })).status,
      );
    }
    expect(guesses.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
    expect(guesses.slice(5)).toEqual([429, 429]);
  });
});

describe('sign-in limits without trustProxy', () => {
  let wb: AuthTestApp;
  let admin: SignedIn;

  beforeAll(async () => {
    wb = await startAuthTestApp();
    admin = await signIn(wb.url);
  });
  afterAll(async () => wb?.close());

  it('ignores X-Forwarded-For: forged addresses share the real one’s limit', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 21; i++) {
      statuses.push(
        (await attempt(wb.url, `user${i}`, 'wrong-password', { forwardedFor: `203.0.113.${i + 1}` })).status,
      );
    }
    expect(statuses.slice(0, 20).every((s) => s === 401)).toBe(true);
    expect(statuses[20]).toBe(429);
    const sources = new Set(
      (await auditOf(wb, admin)).filter((e) => e.result === 'refused').map((e) => e.source),
    );
    expect([...sources]).toEqual(['127.0.0.1']);
  });
});
