// Faults during operations on three PostgreSQL 15 hosts (h1 primary shipping WAL to h2 and h3):
// the standby's copy killed during a base backup (both methods), the controller killed during
// one, the standby's archive directory full, and two promotions asked for at the same moment.
// Each must end in a safe state with a message that says what happened, on which node, and what
// to do. Results are read with the test's own SQL and shell on the hosts, not through walboard.
import type { Operation } from '@walboard/shared/operations';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { down, type HostInfo, type HostsRun, psql, runOnHost, stopPg, up } from '../hosts/harness.ts';
import { getOperation, runOperation, startOperation, whyFailed } from '../support/operations-api.ts';
import { startWalboardProcess, type WalboardProcess } from '../support/walboard-process.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until<T>(
  what: string,
  ms: number,
  probe: () => Promise<T | null | undefined | false>,
): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > end) throw new Error(`${what}: not within ${ms} ms`);
    await sleep(50);
  }
}

describe('operation faults: every one ends safe, with a clear message', () => {
  let run: HostsRun;
  let wb: WalboardProcess;
  const host = (name: string) => run.hosts.find((h) => h.name === name) as HostInfo;
  const sh = async (name: string, argv: string[], asUser?: 'postgres') =>
    (await runOnHost(run, name, argv, asUser ? { asUser } : {})).stdout.trim();
  const pids = async (name: string, exe: string) =>
    (await runOnHost(run, name, ['pgrep', '-x', exe], { check: false })).stdout.split('\n').filter(Boolean);
  const inRecovery = async (name: string) =>
    (await psql<{ r: boolean }>(run, name, 'SELECT pg_is_in_recovery() AS r'))[0]?.r;

  async function waitEnded(id: string, ms = 60_000): Promise<Operation> {
    return until(`operation ${id} ended`, ms, async () => {
      const op = await getOperation(wb, id);
      return op.state === 'running' ? null : op;
    });
  }

  async function start(body: object): Promise<string> {
    const res = await startOperation(wb, body);
    const text = await res.text();
    expect(res.status, text).toBe(202);
    return (JSON.parse(text) as { id: string }).id;
  }

  /** Slows h1's outgoing traffic so a copy from it lasts long enough to be killed midway. */
  const throttle = (on: boolean) =>
    runOnHost(
      run,
      'h1',
      on
        ? [
            'tc',
            'qdisc',
            'replace',
            'dev',
            'eth0',
            'root',
            'tbf',
            'rate',
            '40mbit',
            'burst',
            '64kb',
            'latency',
            '400ms',
          ]
        : ['tc', 'qdisc', 'del', 'dev', 'eth0', 'root'],
      { check: on },
    );

  beforeAll(async () => {
    const t0 = Date.now();
    run = await up(3, [15, 15, 15]);
    const h1 = host('h1');
    // About 75 MB of data: a copy that takes seconds when throttled, about one second when not.
    await sh('h1', [`${h1.pg.binDir}/pgbench`, '-i', '-q', '-s', '5', 'postgres'], 'postgres');
    wb = await startWalboardProcess(run);
    await until('nodes up', 20_000, async () => {
      const res = await fetch(`${wb.url}/api/clusters/lab`, { headers: { cookie: wb.admin.cookie } });
      const snap = (await res.json()) as { nodes: { reachability: { pg: string } }[] };
      return snap.nodes.length === 3 && snap.nodes.every((n) => n.reachability.pg === 'up');
    });
    const op = await runOperation(wb, {
      type: 'setup-replication',
      node: 'h1',
      params: { standbys: ['h2', 'h3'], method: 'pg_basebackup' },
    });
    expect(op.state, whyFailed(op)).toBe('succeeded');
    expect(await inRecovery('h2')).toBe(true);
    expect(await inRecovery('h3')).toBe(true);
    console.info(`set-up (3 hosts, pgbench, setup-replication): ${Date.now() - t0} ms`);
  });

  afterAll(async () => {
    await wb?.close();
    if (run) await down(run);
  });

  it("h2's archive directory full: the archiver's failure shows with rsync's reason; nothing overwritten; recovers once freed", async () => {
    const t0 = Date.now();
    const dir = host('h2').archiveDir;
    const uid = await sh('h2', ['id', '-u', 'postgres']);
    const gid = await sh('h2', ['id', '-g', 'postgres']);
    // A small tmpfs in h2's own mount namespace over its archive directory, 30 of its 40 MB
    // taken: the next 16 MB segment cannot fit; once freed, two can.
    await sh('h2', [
      'mount',
      '-t',
      'tmpfs',
      '-o',
      `size=40m,mode=0700,uid=${uid},gid=${gid}`,
      'wb-fault',
      dir,
    ]);
    try {
      await sh('h2', ['dd', 'if=/dev/zero', `of=${dir}/filler`, 'bs=1M', 'count=30', 'status=none']);
      type Arch = { archived: string | null; failed: string; last_failed: string | null };
      const archiver = async () =>
        (
          await psql<Arch>(
            run,
            'h1',
            'SELECT last_archived_wal AS archived, failed_count::text AS failed, last_failed_wal AS last_failed FROM pg_stat_archiver',
          )
        )[0] as Arch;
      const before = await archiver();
      await psql(run, 'h1', 'CREATE TABLE IF NOT EXISTS fault_rows (n int)');
      await psql(run, 'h1', 'INSERT INTO fault_rows SELECT 1');
      const seg = (
        await psql<{ f: string }>(
          run,
          'h1',
          'SELECT pg_walfile_name(pg_current_wal_lsn()) AS f, pg_switch_wal()',
        )
      )[0]?.f as string;
      await until('the archiver fails on the segment', 20_000, async () => {
        const a = await archiver();
        return Number(a.failed) > Number(before.failed) && a.last_failed === seg;
      });
      // On the API (what the page shows): failing, with rsync's own words.
      const shown = await until('lastError on the API', 20_000, async () => {
        const res = await fetch(`${wb.url}/api/clusters/lab`, { headers: { cookie: wb.admin.cookie } });
        const snap = (await res.json()) as {
          nodes: { node: string; archiver: { failing: boolean; lastError: string | null } | null }[];
        };
        const a = snap.nodes.find((n) => n.node === 'h1')?.archiver;
        return a?.failing && a.lastError && /No space left on device/.test(a.lastError) ? a.lastError : null;
      });
      console.info(`archive full: shown as ${JSON.stringify(shown)}`);
      expect(shown).toMatch(/archive command failed with exit code 1/);
      // Every target is tried: h3 got the segment although h2 could not take it.
      const h3Dir = host('h3').archiveDir;
      const statH3 = () => sh('h3', ['stat', '-c', '%i %Y %s', `${h3Dir}/${seg}`]);
      const h3Before = await statH3();
      // Nothing half-written left on the full disk.
      expect((await sh('h2', ['ls', '-A', dir], 'postgres')).split('\n')).toEqual(['filler']);

      await sh('h2', ['rm', '--', `${dir}/filler`]);
      // A new segment wakes the archiver at once (else it waits up to a minute before retrying).
      await psql(run, 'h1', 'INSERT INTO fault_rows SELECT 2');
      const next = (
        await psql<{ f: string }>(
          run,
          'h1',
          'SELECT pg_walfile_name(pg_current_wal_lsn()) AS f, pg_switch_wal()',
        )
      )[0]?.f as string;
      await until('archiving recovered', 30_000, async () => {
        const a = await archiver();
        return a.archived !== null && a.archived >= next;
      });
      const settled = (await archiver()).failed;
      await sleep(1500);
      expect((await archiver()).failed).toBe(settled);
      const sum = (name: string, d: string) =>
        sh(name, ['sha256sum', '--', `${d}/${seg}`], 'postgres').then((s) => s.split(' ')[0]);
      expect(await sum('h2', dir)).toBe(await sum('h3', h3Dir));
      // The retry found h3's copy identical and left it alone (same inode, same mtime).
      expect(await statH3()).toBe(h3Before);
      expect(await sh('h2', ['ls', '--', `${dir}/${next}`], 'postgres')).toContain(next);
    } finally {
      await runOnHost(run, 'h2', ['umount', dir], { check: false });
    }
    console.info(`archive full: ${Date.now() - t0} ms`);
  });

  for (const method of ['pg_basebackup', 'lab'] as const) {
    it(`${method}: the copy on h2 killed -9 → failed, old data directory in place, lock free, a retry succeeds`, async () => {
      const t0 = Date.now();
      const h2 = host('h2');
      const data = h2.pg.dataDir.replace(/\/+$/, '');
      const parent = data.replace(/\/[^/]*$/, '');
      const base = data.slice(parent.length + 1);
      const siblings = async () =>
        (await sh('h2', ['ls', '-A', parent])).split('\n').filter((n) => n.startsWith(base));
      await stopPg(run, 'h2');
      await sh('h2', ['touch', `${data}/fault-marker`], 'postgres');
      const before = await siblings();
      await throttle(true);
      let op: Operation;
      try {
        const id = await start({ type: 'base-backup', node: 'h2', params: { from: 'h1', method } });
        // pg_basebackup runs on h2; with lab, h2 runs the receiving tar.
        const pid = await until(
          `${exe(method)} on h2`,
          20_000,
          async () => (await pids('h2', exe(method)))[0],
        );
        await until('some data copied', 20_000, async () => {
          const du = await runOnHost(run, 'h2', ['du', '-sm', `${data}.walboard-new`], { check: false });
          return Number(du.stdout.split('\t')[0] || 0) >= 4;
        });
        await sh('h2', ['kill', '-9', pid]);
        op = await waitEnded(id);
      } finally {
        await throttle(false);
      }
      console.info(
        `${method} copy killed: ${op.message} | ${op.steps.find((s) => s.state === 'failed')?.output}`,
      );
      expect(op.state).toBe('failed');
      const failed = op.steps.find((s) => s.state === 'failed');
      expect(failed?.node).toBe(method === 'lab' ? 'h1' : 'h2');
      expect(`${op.message}\n${failed?.output}`).toMatch(/h2/);
      expect(`${op.message}\n${failed?.output}`).toMatch(/killed|signal/);
      expect(`${op.message}\n${failed?.output}`).toMatch(/untouched .* run base-backup on h2 again/);
      // Safe: the old data directory is where it was (with the marker), the partial copy is gone.
      expect(await sh('h2', ['ls', '--', `${data}/fault-marker`])).toContain('fault-marker');
      expect(await siblings()).toEqual(before);
      expect(await pids('h2', exe(method))).toEqual([]);

      // The cluster is free again: the same request runs, and this time to the end.
      const retry = await runOperation(wb, {
        type: 'base-backup',
        node: 'h2',
        params: { from: 'h1', method },
      });
      expect(retry.state, whyFailed(retry)).toBe('succeeded');
      const aside = (await siblings()).filter((n) => !before.includes(n));
      expect(aside).toHaveLength(1);
      expect(await sh('h2', ['ls', '--', `${parent}/${aside[0]}/fault-marker`])).toContain('fault-marker');
      const standby = await runOperation(wb, {
        type: 'configure-standby',
        node: 'h2',
        params: { primary: 'h1' },
      });
      expect(standby.state, whyFailed(standby)).toBe('succeeded');
      // configure-standby leaves a stopped node stopped: start it as the standby it now is.
      const started = await runOperation(wb, { type: 'start', node: 'h2', params: {} });
      expect(started.state, whyFailed(started)).toBe('succeeded');
      expect(await inRecovery('h2')).toBe(true);
      console.info(`${method} killed copy + retry: ${Date.now() - t0} ms`);
    });
  }

  it('the controller killed -9 during a copy to h3: interrupted with its step, no copy left running, lock free', async () => {
    const t0 = Date.now();
    await stopPg(run, 'h3');
    await throttle(true);
    let id: string;
    try {
      id = await start({ type: 'base-backup', node: 'h3', params: { from: 'h1' } });
      await until('pg_basebackup on h3', 20_000, async () => (await pids('h3', 'pg_basebackup'))[0]);
      await wb.crash();
      const killedAt = Date.now();
      // Nothing keeps copying for a controller that is gone: the copy ends with its ssh session.
      await until(
        'pg_basebackup on h3 gone',
        10_000,
        async () => (await pids('h3', 'pg_basebackup')).length === 0,
      );
      await until('no base backup walsender on h1', 10_000, async () => {
        const rows = await psql<{ n: string }>(
          run,
          'h1',
          "SELECT count(*)::text AS n FROM pg_stat_activity WHERE backend_type = 'walsender' AND application_name = 'pg_basebackup'",
        );
        return rows[0]?.n === '0';
      });
      console.info(`controller killed: the copy on h3 ended ${Date.now() - killedAt} ms later`);
    } finally {
      await throttle(false);
    }
    wb = await startWalboardProcess(run);
    const op = await getOperation(wb, id);
    console.info(`after restart: ${op.state}: ${op.message} | next: ${op.nextAction}`);
    expect(op.state).toBe('interrupted');
    expect(op.message).toMatch(
      /^the controller stopped during step \d+ \(Copy h1's data directory .*\) on h3/,
    );
    // The restarted controller reads the nodes as they are: h3 stopped, h1 and h2 up.
    await until('h3 read as down, h1 and h2 up', 20_000, async () => {
      const res = await fetch(`${wb.url}/api/clusters/lab`, { headers: { cookie: wb.admin.cookie } });
      const snap = (await res.json()) as { nodes: { node: string; reachability: { pg: string } }[] };
      const pg = Object.fromEntries(snap.nodes.map((n) => [n.node, n.reachability.pg]));
      return pg.h3 === 'down' && pg.h1 === 'up' && pg.h2 === 'up';
    });
    const retry = await runOperation(wb, { type: 'base-backup', node: 'h3', params: { from: 'h1' } });
    expect(retry.state, whyFailed(retry)).toBe('succeeded');
    const standby = await runOperation(wb, {
      type: 'configure-standby',
      node: 'h3',
      params: { primary: 'h1' },
    });
    expect(standby.state, whyFailed(standby)).toBe('succeeded');
    // configure-standby leaves a stopped node stopped: start it as the standby it now is.
    const started = await runOperation(wb, { type: 'start', node: 'h3', params: {} });
    expect(started.state, whyFailed(started)).toBe('succeeded');
    expect(await inRecovery('h3')).toBe(true);
    console.info(`controller killed + restart + retry: ${Date.now() - t0} ms`);
  });

  it('two operators promote h2 and h3 at the same moment: one runs, the other is told what is running', async () => {
    const body = (node: string) => ({ type: 'promote', node, params: { fence: 'stop-old-primary' } });
    const [a, b] = await Promise.all([startOperation(wb, body('h2')), startOperation(wb, body('h3'))]);
    const answers = [
      { node: 'h2', status: a.status, body: JSON.parse(await a.text()) as Record<string, string> },
      { node: 'h3', status: b.status, body: JSON.parse(await b.text()) as Record<string, string> },
    ];
    const ran = answers.find((x) => x.status === 202);
    const refused = answers.find((x) => x.status === 409);
    expect(answers.map((x) => x.status).sort()).toEqual([202, 409]);
    if (!ran || !refused) throw new Error('unreachable');
    expect(refused.body.error).toBe('WB_ERR_CLUSTER_BUSY');
    expect(refused.body.message).toContain(`operation ${ran.body.id} (promote on ${ran.node}`);
    const op = await waitEnded(ran.body.id as string);
    expect(op.state, whyFailed(op)).toBe('succeeded');
    // Exactly one primary: the promoted standby; h1 was stopped by the fence, the other still replays.
    const roles: Record<string, string> = {};
    for (const h of ['h1', 'h2', 'h3'])
      roles[h] = await inRecovery(h).then(
        (r) => (r ? 'standby' : 'primary'),
        () => 'down',
      );
    expect(roles).toEqual({ h1: 'down', [ran.node]: 'primary', [refused.node]: 'standby' });
  });
});

const exe = (method: 'pg_basebackup' | 'lab') => (method === 'pg_basebackup' ? 'pg_basebackup' : 'tar');
