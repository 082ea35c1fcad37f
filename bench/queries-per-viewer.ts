// Queries each node answers per second with 1 and with 100 viewers: one poller per node, whatever
// the number of viewers. Two counts, from both ends: the controller's own poll count
// (ClusterMonitor.pollCounts) and the statements each node executed (pg_stat_statements calls),
// which include anything else walboard runs there. A light writer on the primary makes statuses change,
// so viewers receive deltas during both windows; its own transactions are subtracted.
import { DEFAULT_POLLER_OPTIONS } from '../apps/server/src/monitor/status-poller.ts';
import type { HostsRun } from '../e2e/hosts/harness.ts';
import { CLUSTER, connectPg } from './cluster.ts';
import type { Controller } from './controller.ts';
import { round, sleep } from './stats.ts';
import { connectViewers, type Viewers } from './viewers.ts';

type Pg = Awaited<ReturnType<typeof connectPg>>;

async function statements(pg: Pg): Promise<number> {
  const r = await pg.query<{ n: string }>('SELECT sum(calls)::text AS n FROM pg_stat_statements');
  return Number(r.rows[0]?.n ?? Number.NaN);
}

interface Window {
  pollsPerSecond: Record<string, number>;
  queriesPerSecond: Record<string, number>;
}

async function measureWindow(run: HostsRun, ctl: Controller, pgs: Pg[], seconds: number): Promise<Window> {
  const primary = pgs[0];
  if (!primary) throw new Error('no primary connection');
  let writes = 0;
  let writing = true;
  const writer = (async () => {
    while (writing) {
      await primary.query("INSERT INTO bench_rows (note) VALUES ('qps')");
      writes++;
      await sleep(200);
    }
  })();
  const p0 = await ctl.pollCounts();
  const x0 = await Promise.all(pgs.map(statements));
  const t0 = performance.now();
  await sleep(seconds * 1000);
  const p1 = await ctl.pollCounts();
  const x1 = await Promise.all(pgs.map(statements));
  const s = (performance.now() - t0) / 1000;
  writing = false;
  await writer;
  const out: Window = { pollsPerSecond: {}, queriesPerSecond: {} };
  run.hosts.forEach((h, i) => {
    const key = `${CLUSTER}/${h.name}`;
    out.pollsPerSecond[h.name] = round(((p1[key] ?? 0) - (p0[key] ?? 0)) / s, 2);
    // Minus our own: the first read (counted by the second) on each node, the writer's inserts on h1.
    const ours = 1 + (i === 0 ? writes : 0);
    out.queriesPerSecond[h.name] = round(((x1[i] ?? 0) - (x0[i] ?? 0) - ours) / s, 2);
  });
  return out;
}

export async function measureQueriesPerViewer(run: HostsRun, ctl: Controller, windowSeconds = 20) {
  const pgs = await Promise.all(run.hosts.map(connectPg));
  let viewers: Viewers | null = null;
  let more: Viewers | null = null;
  try {
    viewers = await connectViewers(ctl, CLUSTER, 1);
    await sleep(2000);
    const one = await measureWindow(run, ctl, pgs, windowSeconds);
    more = await connectViewers(ctl, CLUSTER, 99);
    await sleep(2000);
    const hundred = await measureWindow(run, ctl, pgs, windowSeconds);
    const ratio: Record<string, number> = {};
    let worst = 0;
    for (const h of run.hosts) {
      const a = one.pollsPerSecond[h.name] ?? 0;
      const b = hundred.pollsPerSecond[h.name] ?? 0;
      ratio[h.name] = round(b / a, 3);
      worst = Math.max(worst, Math.abs(b / a - 1));
    }
    return {
      viewers1: one,
      viewers100: hundred,
      pollRatio100to1: ratio,
      windowSeconds,
      plain: {
        perViewerPolling: 'a tool that polls per viewer would do 100× the queries with 100 viewers',
        pollIntervalMs: DEFAULT_POLLER_OPTIONS.intervalMs,
      },
      note:
        'pollsPerSecond: the controller’s own count; queriesPerSecond: statements the node executed ' +
        '(pg_stat_statements), i.e. everything walboard runs there, the bench’s own statements subtracted',
      goal: 'equal with 1 and 100 viewers (within noise: ±5 %)',
      pass: worst <= 0.05,
    };
  } finally {
    viewers?.close();
    more?.close();
    await Promise.all(pgs.map((p) => p.end()));
  }
}
