// Planned switchover under a steady writer: walboard's `switchover` operation beside
// `repmgr standby switchover` (Debian's postgresql-15-repmgr), on the same two test hosts in the
// same run. Each sample swaps h1 → h2 and back with one tool, then with the other (the order
// alternates per sample), so both start from the same cluster: h1 primary, h2 streaming from it.
import { chown, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type HostInfo, type HostsRun, psql, runOnHost, startPg, stopPg, up } from '../e2e/hosts/harness.ts';
import { PgClient } from '../e2e/support/bench-deps.ts';
import { getOperation, startOperation, whyFailed } from '../e2e/support/operations-api.ts';
import { configForHosts, type RunningWalboard, startWalboard } from '../e2e/support/walboard.ts';
import { median, round, sleep } from './stats.ts';

type Pg = InstanceType<typeof PgClient>;
type Tool = 'repmgr' | 'walboard';

/** repmgr's own role and database (what its docs set up); the password sits in each ~/.pgpass. */
const REPMGR_USER = 'repmgr';
const REPMGR_PASSWORD = 'bench-repmgr';
/** Inside a host, postgres's home (the host's homeDir) is mounted here. */
const HOME_IN_HOST = '/var/lib/postgresql';
const REPMGR_CONF = `${HOME_IN_HOST}/repmgr.conf`;

interface Pair {
  run: HostsRun;
  h1: HostInfo;
  h2: HostInfo;
}

/** One switchover as the writer and the poller saw it (ms from the request). */
export interface SwitchoverSample {
  tool: Tool;
  from: string;
  to: string;
  writeOutageMs: number;
  /** Where the longest gap starts (ms from the request) and on which hosts it begins and ends. */
  outageStart: { fromMs: number; fromHost: string; toHost: string };
  writableMs: number;
  doneMs: number;
  /** When the command returned (repmgr) or the operation ended as the API reports it (walboard). */
  commandMs: number;
  lostTransactions: number;
  committed: number;
  /** walboard only: each phase's ms (prepare, stop-writes, verify, promote, rejoin). */
  phasesMs?: Record<string, number>;
}

// ---- set-up ------------------------------------------------------------------------------------

/** repmgr.conf is parsed by repmgr, its service commands by a shell: only plain paths go in. */
function plainPath(p: string): string {
  if (!/^[A-Za-z0-9_./-]+$/.test(p)) throw new Error(`path not usable in repmgr.conf: ${p}`);
  return p;
}

function repmgrConf(h: HostInfo, id: number): string {
  const bin = plainPath(h.pg.binDir);
  const data = plainPath(h.pg.dataDir);
  const logFile = plainPath(h.pg.logFile);
  const ctl = `${bin}/pg_ctl -D ${data}`;
  // No systemd on a test host: repmgr starts, stops and promotes through pg_ctl, as the harness does.
  return [
    `node_id=${id}`,
    `node_name='${h.name}'`,
    `conninfo='host=${h.ip} port=${h.pg.port} user=${REPMGR_USER} dbname=repmgr connect_timeout=2'`,
    `data_directory='${data}'`,
    `pg_bindir='${bin}'`,
    'use_replication_slots=no',
    'log_level=INFO',
    `service_start_command='${ctl} -l ${logFile} -w -t 60 start'`,
    `service_stop_command='${ctl} -m fast -w -t 60 stop'`,
    `service_restart_command='${ctl} -l ${logFile} -m fast -w -t 60 restart'`,
    `service_promote_command='${ctl} -w -t 60 promote'`,
    '',
  ].join('\n');
}

async function writeAsPostgres(h: HostInfo, name: string, text: string): Promise<void> {
  const owner = await stat(h.homeDir);
  const file = join(h.homeDir, name);
  await writeFile(file, text, { mode: 0o600 });
  await chown(file, owner.uid, owner.gid);
}

async function repmgr(p: Pair, h: HostInfo, args: string[], timeoutMs = 120_000): Promise<string> {
  const r = await runOnHost(p.run, h, [`${h.pg.binDir}/repmgr`, '-f', REPMGR_CONF, ...args], {
    asUser: 'postgres',
    timeoutMs,
  });
  return `${r.stdout}${r.stderr}`;
}

async function waitStreaming(p: Pair, primary: HostInfo, standby: string, timeoutMs = 30_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const rows = await psql<{ n: string }>(
      p.run,
      primary,
      "SELECT count(*)::text AS n FROM pg_stat_replication WHERE state = 'streaming' AND application_name = $1",
      [standby],
    ).catch(() => []);
    if (Number(rows[0]?.n) >= 1) return;
    if (Date.now() > until)
      throw new Error(`${standby} is not streaming from ${primary.name} after ${timeoutMs} ms`);
    await sleep(100);
  }
}

/**
 * Two PostgreSQL 15 test hosts (node-to-node ssh as postgres both ways, from the harness): h1
 * primary with wal_log_hints, h2 cloned with pg_basebackup -R, both registered with repmgr.
 */
async function upRepmgrPair(onRun: (run: HostsRun) => void): Promise<Pair> {
  const run = await up(2, [15, 15]);
  onRun(run);
  const [h1, h2] = run.hosts as [HostInfo, HostInfo];
  const p: Pair = { run, h1, h2 };
  await psql(run, h1, 'ALTER SYSTEM SET wal_log_hints = on');
  await psql(run, h1, `CREATE ROLE ${REPMGR_USER} SUPERUSER LOGIN PASSWORD '${REPMGR_PASSWORD}'`);
  await psql(run, h1, `CREATE DATABASE repmgr OWNER ${REPMGR_USER}`);
  await psql(run, h1, 'CREATE TABLE bench_sw (id bigint PRIMARY KEY, at timestamptz NOT NULL DEFAULT now())');
  await stopPg(run, h1);
  await startPg(run, h1);
  for (const [i, h] of [h1, h2].entries()) {
    await writeAsPostgres(h, 'repmgr.conf', repmgrConf(h, i + 1));
    await writeAsPostgres(h, '.pgpass', `*:*:*:${REPMGR_USER}:${REPMGR_PASSWORD}\n`);
  }
  await repmgr(p, h1, ['primary', 'register']);
  await stopPg(run, h2);
  await runOnHost(run, h2, ['find', h2.pg.dataDir, '-mindepth', '1', '-delete'], { asUser: 'postgres' });
  await runOnHost(
    run,
    h2,
    [
      `${h2.pg.binDir}/pg_basebackup`,
      ...['-h', h1.ip, '-U', REPMGR_USER, '-D', h2.pg.dataDir, '-X', 'stream', '-R', '-c', 'fast', '-w'],
    ],
    { asUser: 'postgres', timeoutMs: 120_000 },
  );
  await startPg(run, h2);
  await namedConninfo(p, h2, h1);
  await repmgr(p, h2, ['standby', 'register']);
  return p;
}

/**
 * repmgr finds a standby in pg_stat_replication by application_name = its node name (its own
 * `standby clone` writes that; pg_basebackup -R does not): the standby's primary_conninfo gets it.
 */
async function namedConninfo(p: Pair, standby: HostInfo, primary: HostInfo): Promise<void> {
  const conninfo = `host=${primary.ip} port=${primary.pg.port} user=${REPMGR_USER} application_name=${standby.name}`;
  await psql(p.run, standby, `ALTER SYSTEM SET primary_conninfo = '${conninfo}'`);
  await psql(p.run, standby, 'SELECT pg_reload_conf()');
  await waitStreaming(p, primary, standby.name);
}

// ---- the steady writer -------------------------------------------------------------------------

interface Commit {
  id: number;
  at: number;
  host: string;
}

async function connect(h: HostInfo, timeoutS = 1): Promise<Pg> {
  const c = new PgClient({
    host: h.ip,
    port: h.pg.port,
    user: h.pg.superuser,
    password: h.pg.password,
    database: 'postgres',
    application_name: 'walboard-bench-writer',
    connectionTimeoutMillis: timeoutS * 1000,
  });
  c.on('error', () => {});
  await c.connect();
  return c;
}

/**
 * One client, one INSERT at a time, ids increasing. On any error it drops the connection and
 * tries every host until one accepts writes (pg_is_in_recovery() = false). Only ids whose
 * commit was acknowledged are recorded.
 */
class Writer {
  readonly commits: Commit[] = [];
  private stopped = false;
  private done: Promise<void> = Promise.resolve();
  /** The id the next INSERT will use: the next writer starts there (ids never repeat). */
  nextId: number;

  constructor(
    private readonly hosts: readonly HostInfo[],
    firstId: number,
  ) {
    this.nextId = firstId;
  }

  start(): void {
    this.done = this.loop();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.done;
  }

  private async writable(): Promise<{ c: Pg; host: string } | null> {
    for (const h of this.hosts) {
      let c: Pg | null = null;
      try {
        c = await connect(h);
        const r = await c.query<{ ro: boolean }>('SELECT pg_is_in_recovery() AS ro');
        if (r.rows[0]?.ro === false) return { c, host: h.name };
      } catch {
        // refused, shutting down, starting up: try the next host
      }
      await c?.end().catch(() => {});
    }
    return null;
  }

  private async loop(): Promise<void> {
    let cur: { c: Pg; host: string } | null = null;
    while (!this.stopped) {
      if (!cur) {
        cur = await this.writable();
        if (!cur) {
          await sleep(5);
          continue;
        }
      }
      const id = this.nextId++;
      try {
        await cur.c.query('INSERT INTO bench_sw (id) VALUES ($1)', [id]);
        this.commits.push({ id, at: performance.now(), host: cur.host });
      } catch {
        // The outcome of this id is unknown (it is not counted); a new connection for the next.
        await cur.c.end().catch(() => {});
        cur = null;
      }
    }
    await cur?.c.end().catch(() => {});
  }
}

/** Resolves with the moment (performance.now()) `h` streams again from `from`. */
async function streamingAgain(
  h: HostInfo,
  from: HostInfo,
  cancel: { done: boolean },
  deadlineMs = 120_000,
): Promise<number> {
  const until = performance.now() + deadlineMs;
  let c: Pg | null = null;
  while (performance.now() < until && !cancel.done) {
    try {
      c ??= await connect(h, 1);
      const r = await c.query<{ status: string; sender: string | null }>(
        'SELECT status, sender_host AS sender FROM pg_stat_wal_receiver',
      );
      if (r.rows[0]?.status === 'streaming' && [from.ip, from.name].includes(r.rows[0].sender ?? '')) {
        await c.end().catch(() => {});
        return performance.now();
      }
    } catch {
      await c?.end().catch(() => {});
      c = null;
    }
    await sleep(20);
  }
  await c?.end().catch(() => {});
  throw new Error(
    `${h.name} was not streaming from ${from.name} ${deadlineMs} ms after the switchover started`,
  );
}

// ---- one switchover ----------------------------------------------------------------------------

/** Each phase's own ms (first step start → last step end), as the page shows them. */
type Phases = Record<string, number>;

async function walboardSwitchover(wb: RunningWalboard, to: HostInfo): Promise<Phases> {
  const res = await startOperation(wb, { type: 'switchover', node: to.name, params: {}, confirm: true });
  const text = await res.text();
  if (res.status !== 202)
    throw new Error(`walboard switchover to ${to.name} answered ${res.status}: ${text}`);
  const { id } = JSON.parse(text) as { id: string };
  const until = Date.now() + 180_000;
  for (;;) {
    const op = await getOperation(wb, id);
    if (op.state === 'succeeded') {
      const phases: Phases = {};
      for (const ph of op.phases ?? []) {
        const steps = op.steps.filter((st) => st.phase === ph.id && st.startedAt && st.finishedAt);
        if (steps.length === 0) continue;
        const a = Math.min(...steps.map((st) => Date.parse(st.startedAt ?? '')));
        const b = Math.max(...steps.map((st) => Date.parse(st.finishedAt ?? '')));
        phases[ph.id] = b - a;
      }
      return phases;
    }
    if (op.state !== 'running') throw new Error(`walboard switchover to ${to.name}: ${whyFailed(op)}`);
    if (Date.now() > until) throw new Error(`walboard switchover to ${to.name} still running after 180 s`);
    await sleep(50);
  }
}

let nextId = 1;

async function measureOne(
  p: Pair,
  tool: Tool,
  from: HostInfo,
  to: HostInfo,
  wb: RunningWalboard | null,
): Promise<SwitchoverSample> {
  // Start from a healthy pair: `to` streams from `from`.
  await waitStreaming(p, from, to.name);
  if (tool === 'repmgr') {
    // After a walboard swap the standby's primary_conninfo is walboard's; repmgr needs its
    // application_name to see the standby attached.
    const named = await psql<{ n: string }>(
      p.run,
      from,
      "SELECT count(*)::text AS n FROM pg_stat_replication WHERE application_name = $1 AND state = 'streaming'",
      [to.name],
    );
    if (Number(named[0]?.n) < 1) await namedConninfo(p, to, from);
  }
  const writer = new Writer([p.h1, p.h2], nextId);
  writer.start();
  let t0 = 0;
  let doneAt = 0;
  let commandMs = 0;
  let phasesMs: Phases | undefined;
  const cancel = { done: false };
  try {
    // A steady state before the request: the outage is measured against a running writer.
    await sleep(1000);
    t0 = performance.now();
    const streaming = streamingAgain(from, to, cancel);
    streaming.catch(() => {});
    if (tool === 'repmgr') {
      await repmgr(p, to, ['standby', 'switchover'], 180_000);
    } else {
      if (!wb) throw new Error('no walboard');
      phasesMs = await walboardSwitchover(wb, to);
    }
    commandMs = performance.now() - t0;
    doneAt = await streaming;
    // A little writing on the new primary after the end, then the count.
    await sleep(500);
  } finally {
    // Also when the switchover failed: a writer left looping would keep the process (and the
    // CPU lock) after the hosts are gone.
    cancel.done = true;
    await writer.stop();
  }
  nextId = writer.nextId;
  const commits = writer.commits;
  // From the last commit before the request to the writer's end (≥ 500 ms after both the command
  // and the old primary streaming): the longest silence in there is the outage.
  const before = commits.filter((c) => c.at < t0).at(-1);
  const window = [...(before ? [before] : []), ...commits.filter((c) => c.at >= t0)];
  let outage = 0;
  let gap = { fromMs: 0, fromHost: '', toHost: '' };
  for (let i = 1; i < window.length; i++) {
    const a = window[i - 1] as Commit;
    const b = window[i] as Commit;
    if (b.at - a.at > outage) {
      outage = b.at - a.at;
      gap = { fromMs: round(a.at - t0, 1), fromHost: a.host, toHost: b.host };
    }
  }
  const firstOnNew = commits.find((c) => c.at >= t0 && c.host === to.name);
  if (!firstOnNew) throw new Error(`${tool}: no commit on ${to.name} after the switchover`);
  // The test's own SQL on the new primary: every acknowledged id must be there.
  const ids = commits.map((c) => c.id);
  const missing = await psql<{ n: string }>(
    p.run,
    to,
    'SELECT count(*)::text AS n FROM unnest($1::bigint[]) AS w(id) WHERE NOT EXISTS (SELECT 1 FROM bench_sw b WHERE b.id = w.id)',
    [ids],
  );
  return {
    tool,
    from: from.name,
    to: to.name,
    writeOutageMs: round(outage, 1),
    outageStart: gap,
    writableMs: round(firstOnNew.at - t0, 1),
    doneMs: round(doneAt - t0, 1),
    commandMs: round(commandMs, 1),
    lostTransactions: Number(missing[0]?.n),
    committed: commits.length,
    ...(phasesMs ? { phasesMs } : {}),
  };
}

// ---- the figure --------------------------------------------------------------------------------

function summarize(xs: SwitchoverSample[]) {
  const m = (f: (s: SwitchoverSample) => number) => round(median(xs.map(f)), 1);
  return {
    writeOutageMs: m((s) => s.writeOutageMs),
    writableMs: m((s) => s.writableMs),
    doneMs: m((s) => s.doneMs),
    commandMs: m((s) => s.commandMs),
    lostTransactions: xs.reduce((a, s) => a + s.lostTransactions, 0),
    samples: xs,
  };
}

export async function measureSwitchover(
  onRun: (run: HostsRun) => void,
  onWb: (wb: RunningWalboard) => void,
  samples: number,
): Promise<Record<string, unknown>> {
  const p = await upRepmgrPair(onRun);
  const wb = await startWalboard(configForHosts(p.run).config, p.h1.pg.password);
  onWb(wb);
  const ready = Date.now() + 30_000;
  while (!wb.app.monitor.snapshot('lab')?.nodes.every((n) => n.reachability.pg === 'up')) {
    if (Date.now() > ready) throw new Error('walboard did not reach both hosts within 30 s');
    await sleep(100);
  }
  const plain: SwitchoverSample[] = [];
  const walboard: SwitchoverSample[] = [];
  let walboardError: string | null = null;
  const swapAndBack = async (tool: Tool) => {
    const out = tool === 'repmgr' ? plain : walboard;
    out.push(await measureOne(p, tool, p.h1, p.h2, wb));
    out.push(await measureOne(p, tool, p.h2, p.h1, wb));
  };
  for (let i = 0; i < samples; i++) {
    const order: Tool[] = i % 2 === 0 ? ['repmgr', 'walboard'] : ['walboard', 'repmgr'];
    for (const tool of order) {
      if (tool === 'walboard' && walboardError) continue;
      try {
        await swapAndBack(tool);
      } catch (err) {
        // repmgr failing is the bench's own fault; walboard failing is the figure.
        if (tool === 'repmgr') throw err;
        walboardError = err instanceof Error ? err.message : String(err);
        break;
      }
    }
    if (walboardError) break;
  }
  // If walboard failed, keep measuring repmgr to the sample count: the plain side stands alone.
  while (walboardError && plain.length < samples * 2) await swapAndBack('repmgr');
  const r = summarize(plain);
  const w = walboard.length > 0 ? summarize(walboard) : null;
  const ratio = (f: 'writeOutageMs' | 'writableMs' | 'doneMs') => (w ? round(w[f] / r[f], 2) : null);
  return {
    plainRepmgr: r,
    walboard: w ?? { error: walboardError ?? 'not measured' },
    ratios: {
      writeOutageMs: ratio('writeOutageMs'),
      writableMs: ratio('writableMs'),
      doneMs: ratio('doneMs'),
    },
    goal: 'walboard (medians, same run): writeOutageMs ≤ 500, doneMs ≤ 2500, lostTransactions = 0',
    pass:
      w !== null &&
      walboardError === null &&
      w.writeOutageMs <= 500 &&
      w.doneMs <= 2500 &&
      w.lostTransactions === 0,
    anchor:
      'repmgr standby switchover on 15 (performance-anchors.md): write outage ~1.56 s, new primary writable ~6.1 s, old primary streaming ~8.1 s; floor ≈ fast shutdown ~0.25 s + promote ~0.13 s',
  };
}
