// After a promotion, through the API on three bare PostgreSQL 15 hosts: h3 follows another
// standby (cascading) and comes back; h2 is promoted (h1 fenced); h3 follows h2 without a new
// copy; h2 ships WAL to h3 (ship-wal); and a node that replayed past the fork point of h2's
// timeline is refused with both LSNs. Every result is checked with the test's own SQL.
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type HostInfo, psql, runOnHost, stopPg } from '../hosts/harness.ts';
import { planOperation, runOperation, startOperation, whyFailed } from '../support/operations-api.ts';
import { type WalboardOnHosts, walboardOnHosts } from '../support/walboard-on-hosts.ts';

async function until<T>(
  what: string,
  probe: () => Promise<T | null | undefined | false>,
  ms = 20_000,
): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await probe().catch(() => null);
    if (v) return v;
    if (Date.now() > end) throw new Error(`${what}: not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('follow and ship-wal on bare PostgreSQL 15 hosts h1, h2, h3', () => {
  let t: WalboardOnHosts;
  let h1: HostInfo;
  let h2: HostInfo;
  let h3: HostInfo;

  const count = async (host: string) =>
    Number((await psql<{ n: string }>(t.run, host, 'SELECT count(*)::text AS n FROM rows_seen'))[0]?.n);
  const receiver = async (host: string) =>
    (
      await psql<{ status: string; sender_host: string; received_tli: number }>(
        t.run,
        host,
        'SELECT status, sender_host, received_tli FROM pg_stat_wal_receiver',
      )
    )[0];
  /** The rows written on `from` are replayed on `to`. */
  const replayed = async (from: string, to: string) => {
    const lsn = (await psql<{ l: string }>(t.run, from, 'SELECT pg_current_wal_lsn()::text AS l'))[0]?.l;
    await until(`${to} replays ${from}'s ${lsn}`, async () => {
      const r = await psql<{ ok: boolean }>(
        t.run,
        to,
        'SELECT pg_last_wal_replay_lsn() >= $1::pg_lsn AS ok',
        [lsn],
      );
      return r[0]?.ok;
    });
  };

  beforeAll(async () => {
    t = await walboardOnHosts({ versions: [15, 15, 15], bare: true });
    [h1, h2, h3] = t.run.hosts as [HostInfo, HostInfo, HostInfo];
    await until('nodes up', async () =>
      t.wb.app.monitor.snapshot('lab')?.nodes.every((n) => n.reachability.pg === 'up'),
    );
    const op = await runOperation(t.wb, {
      type: 'setup-replication',
      node: 'h1',
      params: { standbys: ['h2', 'h3'] },
    });
    expect(op.state, whyFailed(op)).toBe('succeeded');
    await psql(t.run, 'h1', 'CREATE TABLE rows_seen (id int PRIMARY KEY, at text)');
    await psql(t.run, 'h1', "INSERT INTO rows_seen SELECT g, 'h1' FROM generate_series(1, 100) g");
    await replayed('h1', 'h3');
  }, 120_000);
  afterAll(async () => t?.close());

  it('cascading: h3 follows the standby h2, the topology shows h2 as its upstream; then h3 follows h1 again', async () => {
    const plan = await planOperation(t.wb, { type: 'follow', node: 'h3', params: { primary: 'h2' } });
    expect(plan.notes).toContain(
      'h2 is a standby itself: h3 will be fed by cascading replication (h2 passes on the WAL it receives).',
    );
    const op = await runOperation(t.wb, { type: 'follow', node: 'h3', params: { primary: 'h2' } });
    expect(op.state, whyFailed(op)).toBe('succeeded');
    expect((await receiver('h3'))?.sender_host).toBe(h2.ip);
    // h2 serves h3 itself (a cascading WAL sender).
    const served = await psql<{ a: string }>(
      t.run,
      'h2',
      'SELECT application_name AS a FROM pg_stat_replication',
    );
    expect(served.map((r) => r.a)).toEqual(['h3']);
    await psql(t.run, 'h1', "INSERT INTO rows_seen SELECT g, 'h1' FROM generate_series(101, 150) g");
    await replayed('h1', 'h3');
    expect(await count('h3')).toBe(150);
    // The API's topology: h2 → h3 beside h1 → h2.
    const links = await until('the topology shows h2 → h3', async () => {
      const res = await fetch(`${t.wb.url}/api/clusters/lab`, { headers: { cookie: t.wb.admin.cookie } });
      if (!res.ok) return null;
      const body = (await res.json()) as {
        links: { primary: string; standby: string | null; streaming: boolean }[];
      };
      const l = body.links.filter((x) => x.standby !== null && x.streaming);
      return l.some((x) => x.primary === 'h2' && x.standby === 'h3') ? l : null;
    });
    expect(links.map((l) => `${l.primary}→${l.standby}`).sort()).toEqual(['h1→h2', 'h2→h3']);

    const back = await runOperation(t.wb, { type: 'follow', node: 'h3', params: { primary: 'h1' } });
    expect(back.state, whyFailed(back)).toBe('succeeded');
    expect((await receiver('h3'))?.sender_host).toBe(h1.ip);
  });

  it('promote h2 (h1 fenced); h3 follows h2 without a new copy and replays what h2 writes', async () => {
    const promoted = await runOperation(t.wb, {
      type: 'promote',
      node: 'h2',
      params: { fence: 'stop-old-primary' },
    });
    expect(promoted.state, whyFailed(promoted)).toBe('succeeded');
    expect(promoted.promotion?.timeline).toBe(2);
    const plan = await planOperation(t.wb, { type: 'follow', node: 'h3', params: { primary: 'h2' } });
    expect(plan.notes?.join('\n')).toMatch(
      /Fork check: h2's timeline 2 branched off timeline 1 at [0-9A-F]+\/[0-9A-F]+ \(00000002\.history\); h3 replayed up to [0-9A-F]+\/[0-9A-F]+, not past it/,
    );
    const op = await runOperation(t.wb, { type: 'follow', node: 'h3', params: { primary: 'h2' } });
    expect(op.state, whyFailed(op)).toBe('succeeded');
    expect(op.steps.map((s) => s.kind)).not.toContain('copy');
    await psql(t.run, 'h2', "INSERT INTO rows_seen SELECT g, 'h2' FROM generate_series(151, 200) g");
    await replayed('h2', 'h3');
    expect(await count('h3')).toBe(200);
    expect((await psql<{ r: boolean }>(t.run, 'h3', 'SELECT pg_is_in_recovery() AS r'))[0]?.r).toBe(true);
    const r = await receiver('h3');
    expect(r).toMatchObject({ status: 'streaming', sender_host: h2.ip, received_tli: 2 });
  });

  it('ship-wal: h2 ships its WAL to h3, its archiver is healthy, its standby leftovers are gone', async () => {
    const plan = await planOperation(t.wb, { type: 'ship-wal', node: 'h2', params: { standbys: ['h3'] } });
    expect(plan.notes?.join('\n')).toMatch(/The password of replicator is kept/);
    const op = await runOperation(t.wb, { type: 'ship-wal', node: 'h2', params: { standbys: ['h3'] } });
    expect(op.state, whyFailed(op)).toBe('succeeded');
    const [seg] = await psql<{ s: string }>(
      t.run,
      'h2',
      'SELECT pg_walfile_name(pg_switch_wal()) AS s FROM (SELECT pg_current_xact_id()) AS x',
    );
    const segment = seg?.s as string;
    expect(segment.startsWith('00000002')).toBe(true);
    await until(`${segment} in h3's archive`, async () => (await readdir(h3.archiveDir)).includes(segment));
    // The file lands in h3's archive a moment before archive_command returns and h2 counts it.
    const a = await until("h2's archiver reports the segment", async () => {
      const [row] = await psql<{ last: string | null; ok: boolean }>(
        t.run,
        'h2',
        'SELECT last_archived_wal AS last, (last_failed_time IS NULL OR last_archived_time > last_failed_time) AS ok FROM pg_stat_archiver',
      );
      return row?.last && row.last >= segment ? row : null;
    });
    expect(a.ok).toBe(true);
    // h2's own archive directory (it was a standby) is emptied; no standby settings are left.
    expect((await readdir(h2.archiveDir)).filter((f) => /^[0-9A-F]{24}$/.test(f))).toEqual([]);
    const [conninfo] = await psql<{ c: string }>(
      t.run,
      'h2',
      "SELECT current_setting('primary_conninfo') AS c",
    );
    expect(conninfo?.c).toBe('');
    expect(await readdir(h2.pg.dataDir)).not.toContain('standby.signal');
    // Still streaming, and h3's password still works (it was not regenerated).
    await psql(t.run, 'h2', "INSERT INTO rows_seen VALUES (201, 'h2')");
    await replayed('h2', 'h3');
    expect((await receiver('h3'))?.status).toBe('streaming');
  });

  it('a node that replayed past the fork point of h2’s timeline is refused, with both LSNs', async () => {
    // h1 (the fenced old primary) takes writes of its own after the fork, then waits as a standby.
    const pg = h1.pg;
    const pgCtl = (...args: string[]) =>
      runOnHost(t.run, 'h1', [`${pg.binDir}/pg_ctl`, ...args, '-D', pg.dataDir, '-w', '-l', pg.logFile], {
        asUser: 'postgres',
      });
    await pgCtl('start', '-o', '-c archive_mode=off');
    await psql(
      t.run,
      'h1',
      "INSERT INTO rows_seen SELECT g, 'h1 after the fork' FROM generate_series(1000, 1100) g",
    );
    const [end] = await psql<{ l: string }>(t.run, 'h1', 'SELECT pg_current_wal_lsn()::text AS l');
    await stopPg(t.run, 'h1', 'fast');
    await runOnHost(t.run, 'h1', ['touch', join(pg.dataDir, 'standby.signal')], { asUser: 'postgres' });
    await pgCtl('start', '-o', '-c archive_mode=off');
    expect((await psql<{ r: boolean }>(t.run, 'h1', 'SELECT pg_is_in_recovery() AS r'))[0]?.r).toBe(true);
    await until('walboard sees h1 as a standby', async () =>
      t.wb.app.monitor.snapshot('lab')?.nodes.some((n) => n.node === 'h1' && n.role === 'standby'),
    );

    const res = await startOperation(t.wb, { type: 'follow', node: 'h1', params: { primary: 'h2' } });
    const text = await res.text();
    expect(res.status, text).toBe(422);
    const message = (JSON.parse(text) as { message: string }).message;
    expect(message).toMatch(
      /^h1 replayed WAL up to ([0-9A-F]+\/[0-9A-F]+) on timeline 1, but h2's timeline 2 branched off timeline 1 at ([0-9A-F]+\/[0-9A-F]+) \(00000002\.history\): h1 holds WAL h2 never had and cannot follow it\. Make h1 a standby of h2 again with rejoin \(pg_rewind .*\), or with a fresh copy \(base-backup from h2\)$/,
    );
    // The LSNs are the real ones: h1's replay is at least where its own writes ended.
    const replay = /up to ([0-9A-F]+\/[0-9A-F]+)/.exec(message)?.[1] as string;
    const [cmp] = await psql<{ past: boolean }>(t.run, 'h1', 'SELECT $1::pg_lsn >= $2::pg_lsn AS past', [
      replay,
      end?.l,
    ]);
    expect(cmp?.past).toBe(true);
    // Nothing changed on h1: still a standby of nobody.
    expect((await receiver('h1'))?.status).toBeUndefined();
  });
});
