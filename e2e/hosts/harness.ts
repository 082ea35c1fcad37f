// Public API of the test-host harness: N "servers" on this machine, each a set of Linux
// namespaces with its own IP, sshd and PostgreSQL. See README.md in this directory.
import type { QueryResultRow } from 'pg';
import { teardownById } from './cleanup.ts';
import { type HostExecOptions, hostCommand, runInHost } from './host-init.ts';
import { isIsolated, isolateNetns, rejoinNetns } from './netns.ts';
import {
  crashPostgres,
  findPostmaster,
  type QueryOptions,
  queryHost,
  type StopMode,
  startPostgres,
  stopPostgres,
} from './postgres-host.ts';
import {
  describeFailure,
  HarnessError,
  harnessError,
  isAlive,
  type ProcRef,
  type RunResult,
} from './proc.ts';
import { BASE_DIR, type HostInfo, type HostsRun, listRunIds, loadRecord, type RunRecord } from './state.ts';

export type { CleanupResult } from './cleanup.ts';
export { cleanupStale } from './cleanup.ts';
export type { HostExecOptions } from './host-init.ts';
export type { QueryOptions, StopMode } from './postgres-host.ts';
export type { RunResult } from './proc.ts';
export { HarnessError } from './proc.ts';
export { startSshd, stopSshd } from './sshd-control.ts';
export type { HostInfo, HostsRun, PgInfo } from './state.ts';
export type { UpOptions } from './up.ts';
export { up } from './up.ts';

export type HostRef = string | HostInfo;
export type RunRef = HostsRun | string;

// ---- operations on an existing run ---------------------------------------------------------------

/**
 * The description of a run by id or, without an id, of the most recent run left up by the
 * CLI (never a run some test process is using right now).
 */
export async function loadRun(run?: string): Promise<HostsRun> {
  const ids = run ? [run] : await listRunIds();
  const recs = (await Promise.all(ids.map(loadRecord))).filter(
    (r): r is RunRecord => r?.description !== undefined && (run !== undefined || r.detached),
  );
  recs.sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  const found = recs[0]?.description;
  if (!found) {
    const detail = run ? `no run ${run} in ${BASE_DIR}` : `no run left up by the CLI in ${BASE_DIR}`;
    const others = ids.length > 0 && !run ? `pass --run with one of ${ids.join(', ')}` : 'run `up` first';
    throw harnessError(null, 'finding the run', detail, others);
  }
  return found;
}

function hostOf(run: HostsRun, host: HostRef): HostInfo {
  const name = typeof host === 'string' ? host : host.name;
  const found = run.hosts.find((h) => h.name === name);
  if (!found)
    throw harnessError(
      name,
      'finding the host',
      `not in run ${run.run} (${run.hosts.map((h) => h.name).join(', ')})`,
    );
  return found;
}

/** The host's init, re-checked so that a recycled pid is never entered or signalled. */
async function initOf(run: HostsRun, host: HostInfo): Promise<ProcRef> {
  const rec = await loadRecord(run.run);
  const init = rec?.hosts.find((h) => h.name === host.name)?.init;
  if (!init || !(await isAlive(init))) {
    throw harnessError(
      host.name,
      'entering the host',
      `its init process is gone (run ${run.run} was torn down or crashed)`,
      'call up() again',
    );
  }
  return init;
}

const resolveRun = async (run: RunRef): Promise<HostsRun> => (typeof run === 'string' ? loadRun(run) : run);

/** Stops every process of the run (by recorded pid), deletes its namespaces, links and files. */
export async function down(run: RunRef): Promise<void> {
  const id = typeof run === 'string' ? run : run.run;
  const problems = await teardownById(id);
  if (problems.length > 0)
    throw harnessError(null, `down of run ${id}`, problems.join('; '), 'run `cli.ts down --all`');
}

/** Cuts the host off the network: packets are dropped silently, peers see timeouts. */
export async function isolate(run: RunRef, host: HostRef): Promise<void> {
  const h = hostOf(await resolveRun(run), host);
  await isolateNetns(h.name, h.netns);
}

export async function rejoin(run: RunRef, host: HostRef): Promise<void> {
  const h = hostOf(await resolveRun(run), host);
  await rejoinNetns(h.name, h.netns);
}

/**
 * kill -9 of the host's postmaster; returns once it and its children are gone, with the
 * postmaster's root-namespace pid (already reaped: no zombie is left for a restart to trip on).
 */
export async function crash(run: RunRef, host: HostRef): Promise<{ pid: number }> {
  const r = await resolveRun(run);
  const h = hostOf(r, host);
  const pm = await crashPostgres(h.name, await initOf(r, h), h.pg);
  return { pid: pm.pid };
}

export async function startPg(run: RunRef, host: HostRef): Promise<void> {
  const r = await resolveRun(run);
  const h = hostOf(r, host);
  await startPostgres(h.name, await initOf(r, h), h.pg);
}

export async function stopPg(run: RunRef, host: HostRef, mode: StopMode = 'fast'): Promise<void> {
  const r = await resolveRun(run);
  const h = hostOf(r, host);
  await stopPostgres(h.name, await initOf(r, h), h.pg, mode);
}

/**
 * Runs argv inside the host (all its namespaces), as root or postgres. Throws unless it exits 0,
 * unless `check: false`.
 */
export async function runOnHost(
  run: RunRef,
  host: HostRef,
  argv: readonly string[],
  opts: HostExecOptions & { check?: boolean } = {},
): Promise<RunResult> {
  const r = await resolveRun(run);
  const h = hostOf(r, host);
  const res = await runInHost(await initOf(r, h), argv, opts);
  if (opts.check !== false && res.code !== 0) {
    throw harnessError(h.name, `running ${JSON.stringify(argv)}`, describeFailure(argv[0] ?? '', res));
  }
  return res;
}

/** Command + args + env to spawn a long-running process inside the host yourself. */
export async function hostSpawnArgs(
  run: RunRef,
  host: HostRef,
  argv: readonly string[],
  opts: Pick<HostExecOptions, 'asUser' | 'env' | 'cwd'> = {},
): Promise<{ command: string; args: string[]; env: NodeJS.ProcessEnv }> {
  const r = await resolveRun(run);
  const h = hostOf(r, host);
  return hostCommand(await initOf(r, h), argv, opts);
}

/** One statement over TCP from the controller (root namespace) as the superuser; returns rows. */
export async function psql<R extends QueryResultRow = QueryResultRow>(
  run: RunRef,
  host: HostRef,
  sql: string,
  params: readonly unknown[] = [],
  opts: QueryOptions = {},
): Promise<R[]> {
  const r = await resolveRun(run);
  const h = hostOf(r, host);
  // Once a run is down its bridge route is gone and 10.213.x.y would leave the machine through
  // the default route (where something may even answer): refuse instead of connecting.
  const rec = await loadRecord(r.run);
  if (rec?.status !== 'up') {
    throw harnessError(
      h.name,
      'query',
      `run ${r.run} is not up (${rec?.status ?? 'removed'})`,
      'call up() first',
    );
  }
  return queryHost<R>(h, sql, params, opts);
}

/** ssh argv (without the remote command) for the controller to reach postgres@host with the pinned key. */
export function controllerSshArgs(run: HostsRun, host: HostRef): string[] {
  const h = hostOf(run, host);
  return [
    ...['-i', run.controllerKeyPath, '-o', 'IdentitiesOnly=yes', '-o', 'BatchMode=yes'],
    ...['-o', 'StrictHostKeyChecking=yes', '-o', `UserKnownHostsFile=${run.controllerKnownHostsPath}`],
    ...['-p', String(h.sshPort), `${h.sshUser}@${h.ip}`],
  ];
}

export interface HostStatus {
  name: string;
  ip: string;
  init: boolean;
  pgRunning: boolean;
  isolated: boolean;
}

export async function status(run: RunRef): Promise<HostStatus[]> {
  const r = await resolveRun(run);
  return Promise.all(
    r.hosts.map(async (h) => {
      const init = await initOf(r, h).catch((e: unknown) =>
        e instanceof HarnessError ? null : Promise.reject(e),
      );
      return {
        name: h.name,
        ip: h.ip,
        init: init !== null,
        pgRunning: init !== null && (await findPostmaster(init, h.pg)) !== null,
        isolated: await isIsolated(h.netns),
      };
    }),
  );
}
