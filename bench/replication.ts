// Replication operations against their plain counterparts, in the same run on the same hosts:
// cloneSeconds (walboard's base-backup, both methods, vs a plain pg_basebackup -X stream),
// promoteMs (API call → first committed INSERT on the promoted node vs plain pg_promote(wait)),
// setupSeconds (setup-replication on two bare servers, end to end).
import { type HostInfo, type HostsRun, psql, runOnHost, startPg, stopPg, up } from '../e2e/hosts/harness.ts';
import { PgClient } from '../e2e/support/bench-deps.ts';
import { runOperation, startOperation, whyFailed } from '../e2e/support/operations-api.ts';
import { pgbench } from '../e2e/support/replication.ts';
import { configForHosts, type RunningWalboard, startWalboard } from '../e2e/support/walboard.ts';
import { median, round } from './stats.ts';

interface Hosts {
  run: HostsRun;
  h1: HostInfo;
  h2: HostInfo;
  wb: RunningWalboard;
}

/** Two bare PostgreSQL 15 hosts and walboard on them (in this process), nodes connected. */
async function upPair(onRun: (run: HostsRun) => void, onWb: (wb: RunningWalboard) => void): Promise<Hosts> {
  const run = await up(2, [15, 15], { bare: true });
  onRun(run);
  const [h1, h2] = run.hosts as [HostInfo, HostInfo];
  const wb = await startWalboard(configForHosts(run).config, h1.pg.password);
  onWb(wb);
  const until = Date.now() + 30_000;
  while (!wb.app.monitor.snapshot('lab')?.nodes.every((n) => n.reachability.pg === 'up')) {
    if (Date.now() > until) throw new Error('walboard did not reach both hosts within 30 s');
    await new Promise((r) => setTimeout(r, 100));
  }
  return { run, h1, h2, wb };
}

/** Steps of the last operation run by `must`, with their seconds: where the time beyond the copy goes. */
let lastSteps: { title: string; seconds: number }[] = [];

async function must(wb: RunningWalboard, body: object): Promise<number> {
  const t = performance.now();
  const wall = Date.now();
  const op = await runOperation(wb, body, 1_800_000);
  if (op.state !== 'succeeded') throw new Error(`${JSON.stringify(body)}: ${whyFailed(op)}`);
  // Until the operation's own end (same clock, same machine), not until the next 200 ms poll of
  // the API noticed it: the plain side is timed to its process's exit, not to a poll.
  const took = op.finishedAt ? Date.parse(op.finishedAt) - wall : performance.now() - t;
  lastSteps = op.steps
    .filter((s) => s.startedAt && s.finishedAt)
    .map((s) => ({
      title: s.title,
      seconds: round((Date.parse(s.finishedAt ?? '') - Date.parse(s.startedAt ?? '')) / 1000, 3),
    }));
  return took;
}

/** Puts back h2's own data directory (the one a walboard base-backup set aside), h2 stopped. */
async function restoreStandby(h: Hosts): Promise<void> {
  await stopPg(h.run, h.h2);
  const data = h.h2.pg.dataDir;
  const parent = data.replace(/\/[^/]+$/, '');
  // Exactly one aside copy exists (each cycle puts it back): the bench's own fixed script.
  const script =
    'set -e; cd "$1"; set -- main.walboard-old-*; [ -e "$1" ] || exit 0; rm -rf main; mv "$1" main';
  await runOnHost(h.run, h.h2, ['sh', '-c', script, 'sh', parent], {
    asUser: 'postgres',
    timeoutMs: 300_000,
  });
}

export async function measureClone(
  onRun: (run: HostsRun) => void,
  onWb: (wb: RunningWalboard) => void,
  samples: number,
  scale: number,
): Promise<Record<string, unknown>> {
  const h = await upPair(onRun, onWb);
  await pgbench(h.h1, ['-i', '-s', String(scale), '-q'], 1_800_000);
  const size = (
    await psql<{ s: string }>(h.run, h.h1, "SELECT pg_size_pretty(pg_database_size('postgres')) AS s")
  )[0]?.s;
  // The replication role, its password in h2's ~/.pgpass, archiving to h2: what every clone uses.
  await must(h.wb, { type: 'link-nodes', node: 'h1', params: { standbys: ['h2'] } });
  await must(h.wb, { type: 'configure-primary', node: 'h1', params: { standbys: ['h2'] } });
  await stopPg(h.run, h.h2);
  const plainDir = `${h.h2.pg.dataDir.replace(/\/[^/]+$/, '')}/plain-clone`;
  const plain: number[] = [];
  const wbBasebackup: number[] = [];
  const wbLab: number[] = [];
  const plainSameFlags: number[] = [];
  let stepsPgBasebackup: typeof lastSteps = [];
  let stepsLab: typeof lastSteps = [];
  // Each copy writes ~1 GB: the next one must not start while the kernel still flushes the last
  // one (or the rm -rf after it), or whichever runs second pays for the first.
  const settle = () => runOnHost(h.run, h.h2, ['sync'], { timeoutMs: 300_000 });
  // Plain: the same command a DBA types on the standby, as postgres, same .pgpass.
  const plainCopy = async (flags: string[] = []): Promise<number> => {
    await settle();
    const t = performance.now();
    await runOnHost(
      h.run,
      h.h2,
      [
        `${h.h2.pg.binDir}/pg_basebackup`,
        '-h',
        h.h1.ip,
        '-U',
        'replicator',
        '-D',
        plainDir,
        '-X',
        'stream',
        '-c',
        'fast',
        '-w',
        ...flags,
      ],
      { asUser: 'postgres', timeoutMs: 1_800_000 },
    );
    const took = performance.now() - t;
    await runOnHost(h.run, h.h2, ['rm', '-rf', '--', plainDir], { asUser: 'postgres', timeoutMs: 300_000 });
    return took;
  };
  const walboardCopy = async (method: 'pg_basebackup' | 'lab'): Promise<number> => {
    await settle();
    const took = await must(h.wb, { type: 'base-backup', node: 'h2', params: { from: 'h1', method } });
    if (method === 'lab') stepsLab = lastSteps;
    else stepsPgBasebackup = lastSteps;
    await restoreStandby(h);
    return took;
  };
  // The first copy reads h1's files from disk, the next ones from the page cache: a warm-up copy,
  // not counted, so no method gets the cold one.
  await plainCopy();
  for (let i = 0; i < samples; i++) {
    // Alternate which goes first: neither always follows the other's clean-up.
    if (i % 2 === 0) {
      plain.push(await plainCopy());
      wbBasebackup.push(await walboardCopy('pg_basebackup'));
    } else {
      wbBasebackup.push(await walboardCopy('pg_basebackup'));
      plain.push(await plainCopy());
    }
    wbLab.push(await walboardCopy('lab'));
    // By hand with walboard's extra flags (progress, verbose, label): what those cost on their own.
    plainSameFlags.push(await plainCopy(['-P', '-v', '-l', 'walboard base backup for h2']));
  }
  const s = (xs: number[]) => ({
    samples: xs.map((x) => round(x / 1000, 2)),
    median: round(median(xs) / 1000, 2),
  });
  const mPlain = median(plain);
  return {
    database: size,
    plainPgBasebackupSeconds: s(plain),
    plainWithWalboardFlagsSeconds: s(plainSameFlags),
    walboardPgBasebackupSeconds: s(wbBasebackup),
    walboardLabSeconds: s(wbLab),
    ratioPgBasebackup: round(median(wbBasebackup) / mPlain, 2),
    ratioLab: round(median(wbLab) / mPlain, 2),
    lastPgBasebackupSteps: stepsPgBasebackup,
    lastLabSteps: stepsLab,
    goal: 'pg_basebackup method ≤ 1.10× plain; lab ≤ 2× plain (same run, medians)',
    pass: median(wbBasebackup) / mPlain <= 1.1 && median(wbLab) / mPlain <= 2,
    anchor:
      'plain pg_basebackup -X stream -c fast of a pgbench scale-70 primary: 3.35 s here (performance-anchors.md)',
  };
}

async function pgClient(host: HostInfo): Promise<InstanceType<typeof PgClient>> {
  const c = new PgClient({
    host: host.ip,
    port: host.pg.port,
    user: host.pg.superuser,
    password: host.pg.password,
    database: 'postgres',
  });
  c.on('error', () => {});
  await c.connect();
  return c;
}

/** Tries an INSERT every 2 ms until one commits; resolves with that moment (performance.now()). */
async function firstCommit(c: InstanceType<typeof PgClient>, deadlineMs = 60_000): Promise<number> {
  const until = performance.now() + deadlineMs;
  for (;;) {
    try {
      await c.query('INSERT INTO bench_promote DEFAULT VALUES');
      return performance.now();
    } catch {
      if (performance.now() > until) throw new Error('no INSERT committed within 60 s');
      await new Promise((r) => setTimeout(r, 2));
    }
  }
}

export async function measurePromote(
  onRun: (run: HostsRun) => void,
  onWb: (wb: RunningWalboard) => void,
  samples: number,
): Promise<Record<string, unknown>> {
  const h = await upPair(onRun, onWb);
  await psql(
    h.run,
    h.h1,
    'CREATE TABLE bench_promote (id bigserial PRIMARY KEY, at timestamptz DEFAULT now())',
  );
  const plain: number[] = [];
  const walboard: number[] = [];
  for (let i = 0; i < samples * 2; i++) {
    // A streaming standby h2 of h1, then h1 stopped: the "primary died" case of the anchors.
    await must(h.wb, { type: 'setup-replication', node: 'h1', params: { standbys: ['h2'] } });
    await stopPg(h.run, h.h1);
    const c = await pgClient(h.h2);
    try {
      if (i % 2 === 0) {
        const t = performance.now();
        await c.query('SELECT pg_promote(true, 60)');
        plain.push((await firstCommit(c)) - t);
      } else {
        const t = performance.now();
        const started = startOperation(h.wb, {
          type: 'promote',
          node: 'h2',
          params: { method: 'auto' },
        }).then(async (r) => {
          if (r.status !== 202) throw new Error(`promote answered ${r.status}: ${await r.text()}`);
        });
        const at = await firstCommit(c);
        await started;
        walboard.push(at - t);
      }
    } finally {
      await c.end().catch(() => {});
    }
    // Back to the start: h1 the primary again, h2 with its own (non-copy) data directory.
    await new Promise((r) => setTimeout(r, 300));
    await restoreStandby(h);
    await startPg(h.run, h.h1);
  }
  const mPlain = median(plain);
  const mWb = median(walboard);
  return {
    plainPgPromoteWaitMs: { samples: plain.map((x) => round(x, 1)), median: round(mPlain, 1) },
    walboardApiMs: { samples: walboard.map((x) => round(x, 1)), median: round(mWb, 1) },
    differenceMs: round(mWb - mPlain, 1),
    goal: 'walboard ≤ plain pg_promote(wait) + 100 ms (medians, same run; old primary stopped)',
    pass: mWb <= mPlain + 100,
    anchor:
      'pg_promote(wait) ~145 ms here; repmgr standby promote returns after ~1.1 s (performance-anchors.md)',
  };
}

export async function measureSetup(
  onRun: (run: HostsRun | null) => void,
  onWb: (wb: RunningWalboard | null) => void,
  samples: number,
): Promise<Record<string, unknown>> {
  const seconds: number[] = [];
  for (let i = 0; i < samples; i++) {
    const h = await upPair(onRun, onWb);
    try {
      seconds.push(
        (await must(h.wb, { type: 'setup-replication', node: 'h1', params: { standbys: ['h2'] } })) / 1000,
      );
    } finally {
      await h.wb.close();
      onWb(null);
      const { down } = await import('../e2e/hosts/harness.ts');
      await down(h.run);
      onRun(null);
    }
  }
  return {
    seconds: seconds.map((x) => round(x, 1)),
    median: round(median(seconds), 1),
    goal: 'setup-replication on two bare servers < 60 s (by hand the lab takes a student hours)',
    pass: median(seconds) < 60,
  };
}
