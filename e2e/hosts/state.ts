// Run descriptions (what tests see) and run records (what the harness needs to clean up),
// both stored in <base>/<run>/run.json so that the CLI, other test workers and the next
// `up` after a crash can act on a run they did not create.
import { mkdir, readdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isAlive, type ProcRef } from './proc.ts';

/**
 * Base directory of all runs. Not under /tmp or /var/tmp: sshd's StrictModes walks every
 * parent of an absolute AuthorizedKeysFile and refuses group/world-writable ones (checked:
 * "bad ownership or modes for directory /var/tmp"), so every parent here is root-owned 0755.
 */
export const BASE_DIR = process.env.WALBOARD_HOSTS_DIR ?? '/var/lib/walboard-hosts';

export const NETNS_PREFIX = 'wbh-';
export const BRIDGE_PREFIX = 'wbb-';
export const VETH_PREFIX = 'wbv-';
/** Second octet of the private 10.x.y.0/24 nets; y is picked per run. */
export const SUBNET_PREFIX = '10.213';

export interface PgInfo {
  /** Major version, e.g. 15. */
  version: number;
  /** Output of `postgres --version`, e.g. "postgres (PostgreSQL) 15.14 (Debian 15.14-0+deb12u1)". */
  versionString: string;
  binDir: string;
  dataDir: string;
  port: 5432;
  logFile: string;
  /** Unix socket directory (root-namespace path; inside the host it is also /var/run/postgresql). */
  socketDir: string;
  superuser: 'postgres';
  password: string;
  /** pg_hba method for TCP connections. */
  authMethod: 'scram-sha-256' | 'md5';
}

export interface HostInfo {
  /** Short name: h1, h2, … (also the host's hostname and its /etc/hosts name on every host). */
  name: string;
  ip: string;
  netns: string;
  sshPort: 22;
  sshUser: 'postgres';
  /** `SHA256:…` fingerprint of the host's ed25519 host key, as `ssh-keygen -lf` prints it. */
  hostKeyFingerprint: string;
  /** The host key's public line, "ssh-ed25519 AAAA…", for known_hosts files. */
  hostKeyPublic: string;
  /** The host's own directory (root-owned 0755). */
  dir: string;
  /** The postgres user's home on this host (bind-mounted at /var/lib/postgresql inside it). */
  homeDir: string;
  /** Empty directory owned by postgres, for WAL archives. */
  archiveDir: string;
  pg: PgInfo;
}

export interface HostsRun {
  run: string;
  runDir: string;
  /** e.g. 10.213.7.0/24 */
  subnet: string;
  bridge: string;
  /** The root namespace's address on the bridge: the controller reaches hosts from it. */
  bridgeIp: string;
  /** Private key (root-owned, 0600) authorized for postgres@ every host. */
  controllerKeyPath: string;
  /** known_hosts with every host's key under its IP and name, for the controller's ssh. */
  controllerKnownHostsPath: string;
  hosts: HostInfo[];
}

export interface HostRecord {
  name: string;
  netns: string;
  veth: string;
  /** `unshare` (root PID namespace) and the host's init (PID 1 inside the host). */
  unshare?: ProcRef;
  init?: ProcRef;
}

export interface RunRecord {
  schema: 1;
  run: string;
  /** The process that created the run; when it is gone the run is stale unless detached. */
  owner: ProcRef;
  /** Set by the CLI's `up`: the run outlives its creator and is only removed by `down`. */
  detached: boolean;
  status: 'creating' | 'up' | 'removing';
  createdAt: string;
  subnetIndex?: number;
  bridge: string;
  hosts: HostRecord[];
  description?: HostsRun;
}

export const runDir = (run: string): string => join(BASE_DIR, run);
export const recordPath = (run: string): string => join(runDir(run), 'run.json');
export const subnetClaimPath = (index: number): string => join(BASE_DIR, '.subnets', String(index));

export async function saveRecord(rec: RunRecord): Promise<void> {
  // Write then rename: a reader (another worker, the next `up`) never sees half a file.
  const path = recordPath(rec.run);
  await writeFile(`${path}.tmp`, `${JSON.stringify(rec, null, 2)}\n`);
  await rename(`${path}.tmp`, path);
}

export async function loadRecord(run: string): Promise<RunRecord | null> {
  try {
    return JSON.parse(await readFile(recordPath(run), 'utf8')) as RunRecord;
  } catch {
    return null;
  }
}

export async function ensureBaseDir(): Promise<void> {
  await mkdir(join(BASE_DIR, '.subnets'), { recursive: true, mode: 0o755 });
}

/** Run ids that have a directory under the base dir. */
export async function listRunIds(): Promise<string[]> {
  const entries = await readdir(BASE_DIR, { withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isDirectory() && /^[a-z0-9]{6}$/.test(e.name)).map((e) => e.name);
}

/**
 * Whether a run may be torn down by someone else's `up`: its owner died (crashed test run)
 * and it was not left running on purpose by the CLI. A directory without a record is stale
 * once it is older than a minute (the record is written right after mkdir).
 */
export async function isStale(run: string): Promise<boolean> {
  const rec = await loadRecord(run);
  if (!rec) {
    const st = await stat(runDir(run)).catch(() => null);
    return st === null || Date.now() - st.mtimeMs > 60_000;
  }
  // `down` takes ownership (and clears `detached`) before removing anything, so a removal
  // that crashed half-way is stale as soon as its remover is gone.
  if (rec.detached && rec.status === 'up') return false;
  return !(await isAlive(rec.owner));
}
