// 1000 viewers on one cluster; a status change (a commit moves the primary's LSN) reaches all.
// Latency per client: receipt (Date.now() here) − the status's observedAt, which the poller stamps
// right before it emits; both are the machine's realtime clock, in ms. The receiving side is one
// Node process decoding 1000 copies in turn, so the tail includes that queue (a browser per viewer
// would not have it): the figure is an upper bound for what each viewer sees.
import { readFile } from 'node:fs/promises';
import type { HostsRun } from '../e2e/hosts/harness.ts';
import { lsnToBigInt } from '../e2e/support/lsn.ts';
import { CLUSTER, connectPg, currentLsn } from './cluster.ts';
import type { Controller } from './controller.ts';
import { round, sleep, summary, until } from './stats.ts';
import { connectViewers } from './viewers.ts';

/** utime + stime of a process so far, ms (from /proc; clock ticks are 100 Hz on Linux). */
async function cpuMs(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) * 10;
}

/** GET /api/health every `everyMs` until stopped: the controller must stay responsive. */
function probeHealth(url: string, everyMs: number) {
  const ms: number[] = [];
  let failures = 0;
  let on = true;
  const done = (async () => {
    while (on) {
      const t = performance.now();
      try {
        const r = await fetch(`${url}/api/health`, { signal: AbortSignal.timeout(5000) });
        await r.text();
        if (!r.ok) failures++;
        ms.push(performance.now() - t);
      } catch {
        failures++;
      }
      await sleep(everyMs);
    }
  })();
  return {
    /** Stops probing (idempotent) and returns the figures. */
    stop: async () => {
      on = false;
      await done;
      return { ...summary(ms), failures };
    },
  };
}

export async function measureFanout(run: HostsRun, ctl: Controller, clients: number, triggers = 10) {
  const primary = run.hosts[0];
  if (!primary) throw new Error('fanout needs a primary');
  // Per trigger: the LSN it waits for, and each client's latency once it has seen it.
  let target = -1n;
  let committedAt = 0;
  let got: (number | undefined)[] = [];
  const fromEmit: number[] = [];
  const fromCommit: number[] = [];
  const connectStart = performance.now();
  let messages = 0;
  const viewers = await connectViewers(ctl, CLUSTER, clients, (s, i) => {
    s.onAny(() => {
      messages++;
    });
    s.on('node:status', (st) => {
      if (target < 0n || got[i] !== undefined || st.node !== primary.name || !st.currentLsn) return;
      if (lsnToBigInt(st.currentLsn) < target) return;
      const now = Date.now();
      got[i] = now;
      fromEmit.push(now - Date.parse(st.observedAt));
      fromCommit.push(now - committedAt);
    });
  });
  const connectSeconds = round((performance.now() - connectStart) / 1000, 1);
  const pg = await connectPg(primary);
  const health = probeHealth(ctl.url, 100);
  let missed = 0;
  // CPU spent by each side during the triggers: where the time goes on a 2-core machine.
  const cpu0 = { ctl: await cpuMs(ctl.pid), bench: process.cpuUsage() };
  const messages0 = messages;
  const t0 = performance.now();
  try {
    for (let k = 0; k < triggers; k++) {
      await sleep(1000 + Math.random() * 500);
      got = new Array(viewers.sockets.length);
      await pg.query("INSERT INTO bench_rows (note) VALUES ('fanout')");
      committedAt = Date.now();
      target = lsnToBigInt(await currentLsn(pg));
      const count = () => got.filter((x) => x !== undefined).length;
      if (!(await until(() => count() === viewers.sockets.length, 10_000))) {
        missed += viewers.sockets.length - count();
      }
      target = -1n;
    }
  } finally {
    await health.stop();
    viewers.close();
    await pg.end();
  }
  const healthMs = await health.stop();
  const benchCpu = process.cpuUsage(cpu0.bench);
  const cpu = {
    seconds: round((performance.now() - t0) / 1000, 1),
    controllerCpuMs: round((await cpuMs(ctl.pid)) - cpu0.ctl, 0),
    clientsCpuMs: round((benchCpu.user + benchCpu.system) / 1000, 0),
    messagesPerClientPerTrigger: round((messages - messages0) / viewers.sockets.length / triggers, 1),
  };
  const s = summary(fromEmit);
  return {
    clients: viewers.sockets.length,
    transport: 'websocket',
    triggers,
    p50Ms: s.p50,
    p99Ms: s.p99,
    maxMs: s.max,
    n: s.n,
    missed,
    commitToClientMs: summary(fromCommit),
    connectSeconds,
    duringTriggers: cpu,
    healthDuringFanoutMs: healthMs,
    controllerRssMbAfter: round(await ctl.rssMb(), 1),
    plain: { note: 'no plain figure in performance-anchors.md' },
    goal: 'p99 ≤ 200 ms from emit to every client; /api/health answers (< 200 ms) during the fanout',
    pass: s.n > 0 && s.p99 <= 200 && missed === 0 && healthMs.failures === 0 && healthMs.max < 200,
  };
}
