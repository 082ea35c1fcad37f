// A flood of wrong sign-ins at a running controller: 2,000 of them, 50 at a time, from one
// address. Each is refused, yet the audit table grows by a handful of rows (one per refusal
// that reached the password check, one counted row for everything the limit refused), and the
// Audit log still says what happened and how often.
import { type AuthTestApp, startAuthTestApp } from '@walboard/server/src/auth/test-support/auth-app.ts';
import { type SignedIn, signIn } from '@walboard/server/src/auth/test-support/sign-in.ts';
import type { AuditEntry } from '@walboard/shared/audit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ATTEMPTS = 2000;
const CONCURRENCY = 50;

describe('a flood of wrong sign-ins', () => {
  let wb: AuthTestApp;
  let admin: SignedIn;

  beforeAll(async () => {
    wb = await startAuthTestApp();
    admin = await signIn(wb.url);
  });
  afterAll(async () => wb?.close());

  const audit = async (query: string): Promise<AuditEntry[]> => {
    const res = await fetch(`${wb.url}/api/audit?${query}`, { headers: { cookie: admin.cookie } });
    expect(res.status).toBe(200);
    return ((await res.json()) as { entries: AuditEntry[] }).entries;
  };

  it(`writes a handful of audit rows for ${ATTEMPTS} refused sign-ins, with their count`, async () => {
    const before = (await audit('limit=1000')).length;
    const statuses = new Map<number, number>();
    let next = 0;
    const started = Date.now();
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < ATTEMPTS) {
          next += 1;
          const res = await fetch(`${wb.url}/api/session`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ username: 'admin', password: `guess-${next}` }),
          });
          await res.arrayBuffer();
          statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        }
      }),
    );
    const seconds = (Date.now() - started) / 1000;
    console.log(
      `${ATTEMPTS} sign-ins in ${seconds.toFixed(1)} s: ${JSON.stringify(Object.fromEntries(statuses))}`,
    );
    // Nobody got in, and the limit answered nearly all of them.
    expect(statuses.get(200)).toBeUndefined();
    expect((statuses.get(401) ?? 0) + (statuses.get(429) ?? 0)).toBe(ATTEMPTS);
    expect(statuses.get(429) ?? 0).toBeGreaterThan(ATTEMPTS - 10);

    // The counted row is rewritten within about a second: wait until every refusal is in it.
    const refusedCount = async () => {
      const rows = (await audit('action=login&limit=1000')).filter((e) => e.result === 'refused');
      return {
        rows: rows.length,
        total: rows.reduce((n, e) => n + (typeof e.detail.count === 'number' ? e.detail.count : 1), 0),
      };
    };
    await expect.poll(async () => (await refusedCount()).total, { timeout: 10_000 }).toBe(ATTEMPTS);
    const { rows } = await refusedCount();
    const grown = (await audit('limit=1000')).length - before;
    console.log(`audit rows: ${rows} refused sign-in rows, table grew by ${grown} rows`);
    expect(rows).toBeLessThanOrEqual(10);
    expect(grown).toBeLessThanOrEqual(10);

    // What the Audit page shows: from where, how many, which limit.
    const counted = (await audit('action=login&limit=1000')).find(
      (e) => typeof e.detail.count === 'number' && e.detail.count > 1,
    );
    expect(counted?.source).toBe('127.0.0.1');
    expect(counted?.result).toBe('refused');
    expect(counted?.message).toMatch(/too many failed sign-ins.*refused \d+ times/);
    expect(counted?.detail.count).toBeGreaterThan(ATTEMPTS - 10);
  });
});
