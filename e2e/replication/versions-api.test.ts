// The lab guide through the API on bare hosts of PostgreSQL 10 and 18: setup-replication from
// two servers that merely run PostgreSQL, then a fenced promotion — recovery.conf and a trigger
// file on 10, standby.signal, the low-level ("lab") copy and pg_promote on 18. Every result is
// checked with the test's own SQL on connections it opens itself, and no process on either host
// ever carries the replication password in its command line or environment.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type HostInfo, type HostsRun, psql } from '../hosts/harness.ts';
import { planOperation, runOperation, whyFailed } from '../support/operations-api.ts';
import { procSampler } from '../support/proc-sampler.ts';
import { type WalboardOnHosts, waitForNodesUp, walboardOnHosts } from '../support/walboard-on-hosts.ts';

async function waitReplayed(run: HostsRun, standby: string, lsn: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const r = await psql<{ ok: boolean }>(
      run,
      standby,
      'SELECT pg_last_wal_replay_lsn() >= $1::pg_lsn AS ok',
      [lsn],
    );
    if (r[0]?.ok) return;
    await new Promise((res) => setTimeout(res, 50));
  }
  throw new Error(`${standby} did not replay ${lsn}`);
}

for (const { version, method, promote } of [
  { version: 10, method: 'pg_basebackup', promote: 'trigger-file' },
  { version: 18, method: 'lab', promote: 'auto' },
] as const) {
  describe(`PostgreSQL ${version}: setup-replication (${method}) and a fenced promotion (${promote})`, () => {
    let t: WalboardOnHosts;
    let h2: HostInfo;

    beforeAll(async () => {
      t = await walboardOnHosts({ versions: [version, version], bare: true });
      h2 = t.run.hosts[1] as HostInfo;
      await waitForNodesUp(t.wb);
    });
    afterAll(async () => t?.close());

    it('plans the version-specific standby configuration', async () => {
      const plan = await planOperation(t.wb, {
        type: 'setup-replication',
        node: 'h1',
        params: { standbys: ['h2'], method },
      });
      const text = JSON.stringify(plan);
      if (version === 10) {
        expect(text).toContain('recovery.conf');
        expect(text).toContain('wal_keep_segments');
        // The node's binDir has no pg_basebackup: the machine's newer one is used (inside the
        // shell that flushes the copy while it runs).
        const copy = plan.steps.find((s) => s.phase === 'base-backup:h2')?.argv ?? [];
        expect(copy.filter((w) => w.endsWith('/pg_basebackup'))).toEqual([
          '/usr/lib/postgresql/15/bin/pg_basebackup',
        ]);
      } else {
        expect(text).toContain('standby.signal');
        expect(text).toContain('wal_keep_size');
        expect(text).toContain('pg_backup_start');
        expect(text).not.toContain('promote_trigger_file');
      }
    });

    it('sets up shipping + streaming from bare hosts; rows and segments reach h2; no password in any process', async () => {
      const sampler = procSampler();
      const op = await runOperation(t.wb, {
        type: 'setup-replication',
        node: 'h1',
        params: { standbys: ['h2'], method },
      });
      const seen = await sampler.stop();
      expect(op.state, whyFailed(op)).toBe('succeeded');
      const pgpass = await readFile(join(h2.homeDir, '.pgpass'), 'utf8');
      const password = /:replicator:([A-Za-z0-9]{32})$/m.exec(pgpass)?.[1];
      expect(password).toBeDefined();
      expect(seen.length).toBeGreaterThan(100);
      expect(seen.filter((s) => s.includes(password as string))).toEqual([]);
      expect(JSON.stringify(op)).not.toContain(password);

      expect((await psql<{ r: boolean }>(t.run, 'h2', 'SELECT pg_is_in_recovery() AS r'))[0]?.r).toBe(true);
      await psql(t.run, 'h1', 'CREATE TABLE lab_rows (id int PRIMARY KEY)');
      await psql(t.run, 'h1', 'INSERT INTO lab_rows SELECT generate_series(1, 1000)');
      const lsn = (await psql<{ l: string }>(t.run, 'h1', 'SELECT pg_current_wal_lsn()::text AS l'))[0]
        ?.l as string;
      await waitReplayed(t.run, 'h2', lsn);
      expect((await psql<{ n: string }>(t.run, 'h2', 'SELECT count(*)::text AS n FROM lab_rows'))[0]?.n).toBe(
        '1000',
      );
      const segments = (await readdir(h2.archiveDir)).filter((f) => /^[0-9A-F]{24}$/.test(f));
      expect(segments.length).toBeGreaterThan(0);
      const conf =
        version === 10 ? join(h2.pg.dataDir, 'recovery.conf') : join(h2.pg.dataDir, 'standby.signal');
      await expect(readFile(conf, 'utf8')).resolves.toBeDefined();
    });

    it('promotes h2 with h1 fenced: every committed row is there and h2 takes writes', async () => {
      await psql(t.run, 'h1', 'INSERT INTO lab_rows SELECT generate_series(1001, 1500)');
      const dry = await planOperation(t.wb, { type: 'promote', node: 'h2', params: { method: promote } });
      expect(dry.refusal).toMatch(/split brain/);
      expect(dry.lossCheck?.oldPrimary).toBe('h1');
      const op = await runOperation(t.wb, {
        type: 'promote',
        node: 'h2',
        params: { method: promote, fence: 'stop-old-primary' },
      });
      expect(op.state, whyFailed(op)).toBe('succeeded');
      expect(op.promotion?.timeline).toBe(2);
      expect((await psql<{ r: boolean }>(t.run, 'h2', 'SELECT pg_is_in_recovery() AS r'))[0]?.r).toBe(false);
      expect((await psql<{ n: string }>(t.run, 'h2', 'SELECT count(*)::text AS n FROM lab_rows'))[0]?.n).toBe(
        '1500',
      );
      await psql(t.run, 'h2', 'INSERT INTO lab_rows VALUES (1501)');
      await expect(psql(t.run, 'h1', 'SELECT 1', [], { connectTimeoutMs: 2000 })).rejects.toThrow();
      if (version === 10) expect(await readdir(h2.pg.dataDir)).toContain('recovery.done');
    });
  });
}
