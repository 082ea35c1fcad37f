// A switchover with a third node: h1 primary, h2 and h3 its standbys. After the swap to h2, h1 is
// h2's standby and h3 — repointed by the same operation — streams from h2 too; a row written on
// h2 reaches both. Checked with the test's own SQL on every host.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type HostInfo, psql } from '../hosts/harness.ts';
import { runOperation, whyFailed } from '../support/operations-api.ts';
import { type WalboardOnHosts, waitForNodesUp, walboardOnHosts } from '../support/walboard-on-hosts.ts';

async function until<T>(what: string, probe: () => Promise<T | null>, ms = 20_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await probe().catch(() => null);
    if (v !== null) return v;
    if (Date.now() > end) throw new Error(`${what}: not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('switchover with a third standby (3 × PostgreSQL 15)', () => {
  let t: WalboardOnHosts;
  let h2: HostInfo;

  beforeAll(async () => {
    t = await walboardOnHosts({ versions: [15, 15, 15], bare: true });
    h2 = t.run.hosts[1] as HostInfo;
    await waitForNodesUp(t.wb);
    const op = await runOperation(t.wb, {
      type: 'setup-replication',
      node: 'h1',
      params: { standbys: ['h2', 'h3'] },
    });
    expect(op.state, whyFailed(op)).toBe('succeeded');
    await psql(t.run, 'h1', 'CREATE TABLE three (id int PRIMARY KEY)');
    await psql(t.run, 'h1', 'INSERT INTO three SELECT generate_series(1, 50)');
  }, 180_000);
  afterAll(async () => t?.close());

  it('h2 becomes the primary; h1 and h3 both stream from it and replay what it writes', async () => {
    const op = await runOperation(t.wb, { type: 'switchover', node: 'h2' }, 60_000);
    expect(op.state, whyFailed(op)).toBe('succeeded');
    expect(op.phases?.map((p) => p.id)).toContain('repoint');

    expect((await psql<{ r: boolean }>(t.run, 'h2', 'SELECT pg_is_in_recovery() AS r'))[0]?.r).toBe(false);
    for (const n of ['h1', 'h3']) {
      const r = await until(`${n} streams from h2`, async () => {
        const rows = await psql<{ status: string; sender_host: string }>(
          t.run,
          n,
          'SELECT status, sender_host FROM pg_stat_wal_receiver',
        );
        return rows[0]?.status === 'streaming' && rows[0]?.sender_host === h2.ip ? rows[0] : null;
      });
      expect(r.sender_host, n).toBe(h2.ip);
    }
    await psql(t.run, 'h2', 'INSERT INTO three VALUES (51)');
    for (const n of ['h1', 'h3'])
      await until(`row 51 on ${n}`, async () =>
        (await psql<{ n: string }>(t.run, n, 'SELECT count(*)::text AS n FROM three'))[0]?.n === '51'
          ? true
          : null,
      );
  });
});
