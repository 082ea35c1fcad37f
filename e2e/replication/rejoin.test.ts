// rejoin on real hosts: the old primary becomes a standby of the promoted node. Refused while the
// old primary accepts writes; after a fenced promotion a clean rejoin (no rewind) streams and
// replays; then the roles turn again, the old primary is started alone and takes rows of its own
// (a real divergence), and rejoin rewinds it with pg_rewind — those rows are gone, the new
// primary's are there. On 15 (Debian packages) all of it; on 18 (server-only install from npm on
// Debian 12: no pg_rewind, no pg_controldata for 18) the clean rejoin works from global/pg_control
// and the diverged one is refused, offering base-backup. Checked with the test's own SQL.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type HostInfo, type HostsRun, psql, startPg, stopPg } from '../hosts/harness.ts';
import { planOperation, runOperation, startOperation, whyFailed } from '../support/operations-api.ts';
import { procSampler } from '../support/proc-sampler.ts';
import { type WalboardOnHosts, waitForNodesUp, walboardOnHosts } from '../support/walboard-on-hosts.ts';

async function waitReplayed(run: HostsRun, standby: string, lsn: string): Promise<void> {
  for (let i = 0; i < 400; i++) {
    const r = await psql<{ ok: boolean }>(
      run,
      standby,
      'SELECT pg_last_wal_replay_lsn() >= $1::pg_lsn AS ok',
      [lsn],
    ).catch(() => []);
    if (r[0]?.ok) return;
    await new Promise((res) => setTimeout(res, 50));
  }
  throw new Error(`${standby} did not replay ${lsn}`);
}

const currentLsn = async (run: HostsRun, h: string) =>
  (await psql<{ l: string }>(run, h, 'SELECT pg_current_wal_lsn()::text AS l'))[0]?.l as string;

const receiver = async (run: HostsRun, h: string) =>
  (
    await psql<{ status: string; host: string }>(
      run,
      h,
      'SELECT status, sender_host AS host FROM pg_stat_wal_receiver',
    )
  )[0];

async function refusedWith(t: WalboardOnHosts, body: object, message: RegExp): Promise<void> {
  const res = await startOperation(t.wb, body);
  const text = await res.text();
  expect(res.status, text).toBe(422);
  expect((JSON.parse(text) as { message: string }).message).toMatch(message);
}

for (const { version, method } of [
  { version: 15, method: 'pg_basebackup' },
  { version: 18, method: 'lab' },
] as const) {
  describe(`rejoin on PostgreSQL ${version} (h1, h2): clean, then after a real divergence`, () => {
    let t: WalboardOnHosts;
    let h1: HostInfo;
    let h2: HostInfo;

    beforeAll(async () => {
      t = await walboardOnHosts({
        versions: [version, version],
        bare: true,
        // pg_rewind needs wal_log_hints (or data checksums, off by default on 15): the lab sets it.
        prepare: async (run) => {
          await psql(run, 'h1', 'ALTER SYSTEM SET wal_log_hints = on');
          await stopPg(run, 'h1');
          await startPg(run, 'h1');
        },
      });
      h1 = t.run.hosts[0] as HostInfo;
      h2 = t.run.hosts[1] as HostInfo;
      await waitForNodesUp(t.wb);
      const op = await runOperation(t.wb, {
        type: 'setup-replication',
        node: 'h1',
        params: { standbys: ['h2'], method },
      });
      expect(op.state, whyFailed(op)).toBe('succeeded');
      await psql(t.run, 'h1', 'CREATE TABLE r (id int PRIMARY KEY, at text)');
      await psql(t.run, 'h1', "INSERT INTO r SELECT g, 'h1' FROM generate_series(1, 100) g");
    }, 120_000);
    afterAll(async () => t?.close());

    it('is refused while h1 runs as a primary that accepts writes, saying what to do; nothing changes', async () => {
      await refusedWith(
        t,
        { type: 'rejoin', node: 'h1', params: { primary: 'h2' } },
        /h1 runs as a primary and accepts writes: .*Stop it first .*promote h2 with a fence/,
      );
      expect((await psql<{ r: boolean }>(t.run, 'h1', 'SELECT pg_is_in_recovery() AS r'))[0]?.r).toBe(false);
    });

    it('after promote h2 (fence stop-old-primary): rejoin h1 without a rewind; h1 streams from h2 and replays its rows', async () => {
      const pr = await runOperation(t.wb, {
        type: 'promote',
        node: 'h2',
        params: { fence: 'stop-old-primary' },
      });
      expect(pr.state, whyFailed(pr)).toBe('succeeded');
      const plan = await planOperation(t.wb, { type: 'rejoin', node: 'h1', params: { primary: 'h2' } });
      expect(plan.refusal, JSON.stringify(plan)).toBeUndefined();
      expect(plan.steps[0]?.title).toBe('h1 is stopped; nothing past the fork point: no rewind needed');
      const op = await runOperation(t.wb, { type: 'rejoin', node: 'h1', params: { primary: 'h2' } });
      expect(op.state, whyFailed(op)).toBe('succeeded');
      expect(op.steps.some((s) => s.argv?.some((a) => a.endsWith('/pg_rewind')))).toBe(false);
      expect((await psql<{ r: boolean }>(t.run, 'h1', 'SELECT pg_is_in_recovery() AS r'))[0]?.r).toBe(true);
      expect(await receiver(t.run, 'h1')).toEqual({ status: 'streaming', host: h2.ip });
      await psql(t.run, 'h2', "INSERT INTO r SELECT g, 'h2' FROM generate_series(101, 150) g");
      await waitReplayed(t.run, 'h1', await currentLsn(t.run, 'h2'));
      expect((await psql<{ n: string }>(t.run, 'h1', 'SELECT count(*)::text AS n FROM r'))[0]?.n).toBe('150');
    }, 90_000);

    it(`diverged: h2 stopped, h1 promoted, h2 started alone takes rows → rejoin h2 ${version === 15 ? 'runs pg_rewind; its rows are gone' : 'is refused: no pg_rewind for 18, base-backup offered'}`, async () => {
      await stopPg(t.run, 'h2');
      const pr = await runOperation(t.wb, { type: 'promote', node: 'h1', params: {} });
      expect(pr.state, whyFailed(pr)).toBe('succeeded');
      await psql(t.run, 'h1', "INSERT INTO r SELECT g, 'h1 again' FROM generate_series(151, 170) g");
      // The old primary comes back alone, as a primary of its own timeline, and takes writes.
      await startPg(t.run, 'h2');
      await waitForNodesUp(t.wb);
      await psql(t.run, 'h2', "INSERT INTO r SELECT g, 'lost' FROM generate_series(1000, 1009) g");
      await refusedWith(
        t,
        { type: 'rejoin', node: 'h2', params: { primary: 'h1' } },
        /h2 runs as a primary and accepts writes/,
      );
      await stopPg(t.run, 'h2');
      const body = { type: 'rejoin', node: 'h2', params: { primary: 'h1' } };
      if (version === 18) {
        await refusedWith(
          t,
          body,
          /h2 needs pg_rewind .*no pg_rewind for PostgreSQL 18 on h2.*base-backup on h2 from h1/,
        );
        return;
      }
      const plan = await planOperation(t.wb, body);
      expect(plan.refusal, JSON.stringify(plan)).toBeUndefined();
      expect(plan.steps[0]?.title).toBe('h2 is stopped; its history went its own way: rewind needed');
      expect(plan.steps[0]?.detail).toMatch(/wal_log_hints on/);
      const sampler = procSampler();
      const op = await runOperation(t.wb, body);
      const seen = await sampler.stop();
      expect(op.state, whyFailed(op)).toBe('succeeded');
      // pg_rewind ran while the sampler looked: its command line is there, the password is not.
      expect(seen.some((x) => x.includes('--source-server'))).toBe(true);
      const rw = op.steps.find((s) => s.title.startsWith('Rewind h2'));
      expect(rw?.state).toBe('succeeded');
      expect(rw?.argv).toContain('--source-server');
      expect(rw?.output).toMatch(/Done!/);
      // The password was only in the temporary file, which is gone.
      const pgpass = await readFile(join(h1.homeDir, '.pgpass'), 'utf8');
      const password = /:replicator:([A-Za-z0-9]{32})$/m.exec(pgpass)?.[1] as string;
      expect(password).toBeDefined();
      expect(JSON.stringify(op)).not.toContain(password);
      expect(seen.filter((x) => x.includes(password))).toEqual([]);
      await expect(readFile(join(h2.homeDir, '.pgpass.walboard-rewind'), 'utf8')).rejects.toThrow();

      expect(await receiver(t.run, 'h2')).toEqual({ status: 'streaming', host: h1.ip });
      await waitReplayed(t.run, 'h2', await currentLsn(t.run, 'h1'));
      const rows = await psql<{ n: string; lost: string }>(
        t.run,
        'h2',
        "SELECT count(*)::text AS n, count(*) FILTER (WHERE at = 'lost')::text AS lost FROM r",
      );
      expect(rows[0]).toEqual({ n: '170', lost: '0' });
    }, 120_000);
  });
}
