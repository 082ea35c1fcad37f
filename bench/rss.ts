// Controller memory over time: 3 nodes, 100 viewers, a light steady write load on the primary
// (statuses change, deltas flow to every viewer). RSS is the controller process's VmRSS; "start"
// is taken once the viewers are connected and a warm-up minute has passed.
import type { HostsRun } from '../e2e/hosts/harness.ts';
import { CLUSTER, connectPg } from './cluster.ts';
import type { Controller } from './controller.ts';
import { round, sleep } from './stats.ts';
import { connectViewers } from './viewers.ts';

export async function measureRss(run: HostsRun, ctl: Controller, minutes: number, viewerCount = 100) {
  const primary = run.hosts[0];
  if (!primary) throw new Error('rss needs a primary');
  const atListen = await ctl.rssMb();
  let statuses = 0;
  const viewers = await connectViewers(ctl, CLUSTER, viewerCount, (s) => {
    s.on('node:status', () => {
      statuses++;
    });
  });
  const pg = await connectPg(primary);
  let writing = true;
  const writer = (async () => {
    while (writing) {
      await pg.query("INSERT INTO bench_rows (note) VALUES ('rss')");
      await sleep(200);
    }
  })();
  const series: { minute: number; rssMb: number }[] = [];
  try {
    const warmupMs = Math.min(60_000, minutes * 6_000);
    await sleep(warmupMs);
    const t0 = Date.now();
    const start = await ctl.rssMb();
    series.push({ minute: 0, rssMb: round(start, 1) });
    const totalMs = minutes * 60_000;
    const step = Math.min(60_000, totalMs / 10);
    while (Date.now() - t0 < totalMs) {
      await sleep(Math.min(step, totalMs - (Date.now() - t0)));
      series.push({ minute: round((Date.now() - t0) / 60_000, 2), rssMb: round(await ctl.rssMb(), 1) });
    }
    const end = series[series.length - 1]?.rssMb ?? start;
    const growthPct = round(((end - start) / start) * 100, 1);
    return {
      start: round(start, 1),
      [`after${minutes}min`]: end,
      minutes,
      growthPct,
      atListenMb: round(atListen, 1),
      peakMb: Math.max(...series.map((s) => s.rssMb)),
      series,
      nodes: run.hosts.length,
      viewers: viewers.sockets.length,
      statusEventsReceived: statuses,
      measuredAs: `VmRSS of the controller process (pid ${ctl.pid}), after a ${warmupMs / 1000} s warm-up`,
      plain: { note: 'no plain figure in performance-anchors.md' },
      goal: 'growth < 10 %',
      pass: growthPct < 10,
    };
  } finally {
    writing = false;
    await writer;
    viewers.close();
    await pg.end();
  }
}
