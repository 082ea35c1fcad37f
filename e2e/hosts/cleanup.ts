// Tearing runs down — our own at the end of a test, or what a crashed earlier run left behind.
// Only processes the harness recorded (pid + start time re-checked right before the signal)
// and processes sitting inside a network namespace the harness created are ever killed.
import { rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import {
  deleteLink,
  deleteNetns,
  listLinks,
  listNetns,
  netnsPids,
  releaseOrphanClaims,
  releaseSubnet,
} from './netns.ts';
import { isAlive, killRef, type ProcRef, procRef, selfRef, waitGone } from './proc.ts';
import {
  BASE_DIR,
  BRIDGE_PREFIX,
  isStale,
  listRunIds,
  loadRecord,
  NETNS_PREFIX,
  type RunRecord,
  runDir,
  saveRecord,
  VETH_PREFIX,
} from './state.ts';

/** Kills everything inside a harness-created network namespace, then deletes it. */
async function clearNetns(netns: string, problems: string[]): Promise<void> {
  const refs: ProcRef[] = [];
  for (const pid of await netnsPids(netns)) {
    const ref = await procRef(pid);
    if (ref) refs.push(ref);
  }
  for (const ref of refs) await killRef(ref, 'SIGKILL');
  if (!(await waitGone(refs, 10_000))) problems.push(`processes still alive in ${netns}`);
  await deleteNetns(netns).catch((e: Error) => problems.push(e.message));
}

/**
 * Removes a run: kills each host's init (which takes every process of the host's PID namespace
 * with it), sweeps its network namespaces, veths and bridge, releases its subnet and deletes its
 * directory. Safe to call on a half-created run and to call twice. Returns problems, if any.
 */
export async function teardown(rec: RunRecord): Promise<string[]> {
  const problems: string[] = [];
  // Take ownership first: if we crash half-way, the next `up` sees a stale run and finishes.
  rec.owner = await selfRef();
  rec.detached = false;
  rec.status = 'removing';
  await saveRecord(rec).catch(() => {});

  await Promise.all(
    rec.hosts.map(async (h) => {
      const procs = [h.init, h.unshare].filter((r): r is ProcRef => r !== undefined);
      if (h.init) await killRef(h.init, 'SIGKILL');
      // unshare normally exits with its child; kill it only if it is still the recorded one.
      if (h.init && !(await waitGone([h.init], 10_000)))
        problems.push(`${h.name}: init ${h.init.pid} survived`);
      if (h.unshare && (await isAlive(h.unshare))) await killRef(h.unshare, 'SIGKILL');
      await waitGone(procs, 5_000);
      await clearNetns(h.netns, problems);
      await deleteLink(h.veth).catch((e: Error) => problems.push(e.message));
    }),
  );
  await sweepNames(rec.run, problems);
  await deleteLink(rec.bridge).catch((e: Error) => problems.push(e.message));
  if (rec.subnetIndex !== undefined) await releaseSubnet(rec.subnetIndex, rec.run);
  if (problems.length === 0) await rm(runDir(rec.run), { recursive: true, force: true });
  return problems;
}

const runExists = async (run: string): Promise<boolean> =>
  /^[a-z0-9]{6}$/.test(run) && (await stat(runDir(run)).catch(() => null)) !== null;

/**
 * Namespaces and links named after `run`, or, when run is null, after any run without a
 * directory. The directory is checked after the name was seen: a run creates its directory
 * before any namespace, so a concurrent `up` elsewhere is never mistaken for a leftover.
 */
async function sweepNames(run: string | null, problems: string[]): Promise<void> {
  const belongs = async (id: string) => (run === null ? !(await runExists(id)) : id === run);
  for (const ns of await listNetns()) {
    if (await belongs(ns.slice(NETNS_PREFIX.length, NETNS_PREFIX.length + 6))) await clearNetns(ns, problems);
  }
  for (const link of await listLinks()) {
    const prefix = link.startsWith(BRIDGE_PREFIX) ? BRIDGE_PREFIX : VETH_PREFIX;
    if (await belongs(link.slice(prefix.length, prefix.length + 6))) {
      await deleteLink(link).catch((e: Error) => problems.push(e.message));
    }
  }
}

/** A record for a run directory whose run.json is missing: names are swept by run id anyway. */
const emptyRecord = async (run: string): Promise<RunRecord> => ({
  schema: 1,
  run,
  owner: await selfRef(),
  detached: false,
  status: 'removing',
  createdAt: new Date().toISOString(),
  bridge: `${BRIDGE_PREFIX}${run}`,
  hosts: [],
});

/** Teardown by run id, also when its record is gone (names are then swept by run id). */
export async function teardownById(run: string): Promise<string[]> {
  return teardown((await loadRecord(run)) ?? (await emptyRecord(run)));
}

export interface CleanupResult {
  removed: string[];
  problems: string[];
}

/**
 * What `up` runs first: removes runs whose owner process is gone (unless left up on purpose by
 * the CLI), then namespaces, interfaces and subnet claims that belong to no run directory.
 * With `all`, removes every run, including live and detached ones.
 */
export async function cleanupStale(opts: { all?: boolean } = {}): Promise<CleanupResult> {
  const removed: string[] = [];
  const problems: string[] = [];
  for (const run of await listRunIds()) {
    if (!opts.all && !(await isStale(run))) continue;
    const p = await teardownById(run);
    if (p.length === 0) removed.push(run);
    problems.push(...p.map((m) => `run ${run}: ${m}`));
  }
  await sweepNames(null, problems);
  await releaseOrphanClaims(join(BASE_DIR, '.subnets'), runExists);
  return { removed, problems };
}
