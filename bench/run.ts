// `pnpm bench`: figures measured on real servers (test hosts with their own sshd and PostgreSQL,
// the controller in its own process, real socket.io clients, headless Chromium), printed and
// merged into bench/results.json (each figure stamped with when it was measured). Plain figures
// to compare with: shared/docs/performance-anchors.md. `pnpm bench -- --help` for options.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { cpus, hostname, loadavg, release, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { down, type HostsRun } from '../e2e/hosts/harness.ts';
import { deployBuiltServer } from '../e2e/install/deploy.ts';
import { type BrowserHandle, launchChromium, signInContext } from '../e2e/support/browser.ts';
import type { RunningWalboard } from '../e2e/support/walboard.ts';
import { type BenchArgs, MEASUREMENTS, type Measurement, parseBenchArgs } from './args.ts';
import { upCluster } from './cluster.ts';
import { measureColdStart } from './cold-start.ts';
import { measureCommitToBrowser } from './commit-to-browser.ts';
import { type Controller, startController } from './controller.ts';
import { measureFanout } from './fanout.ts';
import { measureLogBurst } from './log-burst.ts';
import { newBenchPage } from './page.ts';
import { measureQueriesPerViewer } from './queries-per-viewer.ts';
import { measureClone, measurePromote, measureSetup } from './replication.ts';
import { measureRss } from './rss.ts';
import { round } from './stats.ts';
import { measureStatusPoll } from './status-poll.ts';
import { measureSwitchover } from './switchover.ts';

const RESULTS = join(import.meta.dirname, 'results.json');
type Results = Record<string, unknown>;

/** What needs cleaning up, whatever happens (also on Ctrl-C). */
const live: {
  run: HostsRun | null;
  browser: BrowserHandle | null;
  controllers: Set<Controller>;
  /** The replication figures' walboard (in this process) and hosts. */
  opsWalboard: RunningWalboard | null;
  opsRun: HostsRun | null;
} = {
  run: null,
  browser: null,
  controllers: new Set(),
  opsWalboard: null,
  opsRun: null,
};

/** Stops the replication figures' walboard and hosts. */
async function cleanupOps(): Promise<void> {
  const wb = live.opsWalboard;
  live.opsWalboard = null;
  await wb?.close().catch(() => {});
  const run = live.opsRun;
  live.opsRun = null;
  if (run) await down(run);
}

async function cleanup(): Promise<void> {
  await cleanupOps();
  await live.browser?.close();
  live.browser = null;
  await Promise.all([...live.controllers].map((c) => c.close().catch(() => {})));
  live.controllers.clear();
  const run = live.run;
  live.run = null;
  if (run) await down(run);
}

async function controller(run: HostsRun): Promise<Controller> {
  const c = await startController(run);
  live.controllers.add(c);
  // The bench's pages are signed in as the controller's admin, like a user after the login form.
  if (live.browser) await signInContext(live.browser.context, c.url, c.cookie);
  return c;
}

async function closeController(c: Controller): Promise<void> {
  live.controllers.delete(c);
  await c.close();
}

function log(msg: string): void {
  console.error(`[bench ${new Date().toISOString().slice(11, 19)}] ${msg}`);
}

/** Runs one measurement; a failure is recorded as such (never as a figure) and the others go on. */
async function measure(
  out: Results,
  name: Measurement,
  args: BenchArgs,
  fn: () => Promise<Record<string, unknown>>,
): Promise<void> {
  if (!args.only.has(name)) return;
  log(`${name}…`);
  const t = performance.now();
  try {
    out[name] = { ...(await fn()), measuredAt: new Date().toISOString() };
  } catch (err) {
    out[name] = {
      error: err instanceof Error ? err.message : String(err),
      measuredAt: new Date().toISOString(),
    };
  }
  log(`${name} done in ${round((performance.now() - t) / 1000, 1)} s`);
}

async function machine(browser: BrowserHandle | null) {
  return {
    hostname: hostname(),
    cpu: `${cpus()[0]?.model ?? 'unknown'} × ${cpus().length}`,
    memoryGiB: round(totalmem() / 2 ** 30, 1),
    kernel: release(),
    node: process.version,
    chromium: browser ? browser.browser.version() : null,
    loadAverageAtStart: loadavg().map((x) => round(x, 2)),
  };
}

async function main(): Promise<void> {
  const args = parseBenchArgs(process.argv.slice(2));
  const out: Results = {};
  const OPS: readonly Measurement[] = ['cloneSeconds', 'promoteMs', 'setupSeconds', 'switchover'];
  // Measured without test hosts: the status poll (a local server) and the cold start.
  const LOCAL: readonly Measurement[] = ['statusPollMs', 'coldStart'];
  const needsHosts = [...args.only].some((m) => !LOCAL.includes(m) && !OPS.includes(m));
  const needsBrowser = args.only.has('commitToBrowserMs') || args.only.has('logBurst');
  if (needsBrowser) live.browser = await launchChromium();
  const header = { date: new Date().toISOString(), machine: await machine(live.browser) };

  await measure(out, 'statusPollMs', args, async () => {
    const r = await measureStatusPoll();
    out.statusPollRatio = r.statusPollRatio;
    return { ...r.statusPollMs, postgres: r.postgres };
  });

  // Built (`pnpm build`, deployed with `pnpm deploy --prod`) against the sources through tsx.
  await measure(out, 'coldStart', args, async () => {
    const target = await mkdtemp(join(tmpdir(), 'walboard-deploy-'));
    try {
      deployBuiltServer(target);
      return { ...(await measureColdStart(target, args.coldSamples)) };
    } finally {
      await rm(target, { recursive: true, force: true });
    }
  });

  if (needsHosts) {
    log('creating 3 test hosts (h1 primary, h2 and h3 standbys)…');
    const run = await upCluster(3, (r) => {
      live.run = r;
    });
    const shared = [...args.only].some((m) => !LOCAL.includes(m) && m !== 'rssMb' && !OPS.includes(m));
    if (shared) {
      const ctl = await controller(run);
      await measure(out, 'commitToBrowserMs', args, async () => {
        if (!live.browser) throw new Error('no browser');
        const page = await newBenchPage(live.browser);
        try {
          return await measureCommitToBrowser(run, page, ctl.url, args.commitSamples);
        } finally {
          await page.close();
        }
      });
      await measure(out, 'queriesPerSecondPerNode', args, () => measureQueriesPerViewer(run, ctl));
      await measure(out, 'fanout', args, () => measureFanout(run, ctl, args.fanoutClients));
      await measure(out, 'logBurst', args, async () => {
        if (!live.browser) throw new Error('no browser');
        const page = await newBenchPage(live.browser);
        try {
          return await measureLogBurst(run, ctl, page, args.logRate, args.logSeconds);
        } finally {
          await page.close();
        }
      });
      await closeController(ctl);
    }
    // A fresh controller: the memory measured is not what the fanout's 1000 viewers left behind.
    await measure(out, 'rssMb', args, async () => {
      const ctl = await controller(run);
      try {
        return await measureRss(run, ctl, args.rssMinutes);
      } finally {
        await closeController(ctl);
      }
    });
  }

  // Replication operations: their own bare hosts, after the others are torn down (2 cores).
  const onRun = (r: HostsRun | null) => {
    live.opsRun = r;
  };
  const onWb = (w: RunningWalboard | null) => {
    live.opsWalboard = w;
  };
  if (args.only.has('cloneSeconds') && live.run) await cleanup();
  await measure(out, 'cloneSeconds', args, async () => {
    try {
      return await measureClone(onRun, onWb, args.cloneSamples, args.cloneScale);
    } finally {
      await cleanupOps();
    }
  });
  await measure(out, 'promoteMs', args, async () => {
    try {
      return await measurePromote(onRun, onWb, args.promoteSamples);
    } finally {
      await cleanupOps();
    }
  });
  await measure(out, 'setupSeconds', args, async () => {
    try {
      return await measureSetup(onRun, onWb, args.setupSamples);
    } finally {
      await cleanupOps();
    }
  });

  await measure(out, 'switchover', args, async () => {
    try {
      return await measureSwitchover(onRun, onWb, args.switchoverSamples);
    } finally {
      await cleanupOps();
    }
  });

  // A partial run (--only) keeps the other figures of the last run; a full run starts clean.
  const partial = args.only.size < MEASUREMENTS.length;
  const previous = partial ? (JSON.parse(await readFile(RESULTS, 'utf8').catch(() => '{}')) as Results) : {};
  const results: Results = {
    ...previous,
    ...header,
    ...out,
    machine: { ...header.machine, loadAverageAtEnd: loadavg().map((x) => round(x, 2)) },
    measuredThisRun: [...args.only],
  };
  await writeFile(RESULTS, `${JSON.stringify(results, null, 2)}\n`);
  console.log(JSON.stringify(results, null, 2));
}

// A stray rejection must not leave hosts and controllers behind.
process.on('unhandledRejection', (err) => {
  console.error(`bench failed: ${err instanceof Error ? err.message : String(err)}`);
  void cleanup().finally(() => process.exit(1));
});
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.once(sig, () => {
    log(`${sig}: cleaning up the test hosts…`);
    void cleanup().finally(() => process.exit(130));
  });
}

main()
  .then(cleanup)
  .then(() => {
    // Results are written and hosts are down: a handle left open somewhere (a socket of a server
    // that went away) must not keep the process — and the CPU lock it runs under — for ever.
    setTimeout(() => {
      const open = (process as unknown as { _getActiveHandles(): object[] })._getActiveHandles();
      log(`still running 5 s after clean-up (${open.map((h) => h.constructor.name).join(', ')}): exiting`);
      process.exit(0);
    }, 5000).unref();
  })
  .catch(async (err: unknown) => {
    console.error(`bench failed: ${err instanceof Error ? err.message : String(err)}`);
    await cleanup().catch((e: unknown) => console.error(`clean-up failed too: ${(e as Error).message}`));
    process.exit(1);
  });
