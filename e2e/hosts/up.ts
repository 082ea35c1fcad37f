// `up`: creates the hosts of a run. Each host is set up in parallel: network namespace, its
// init (host-init.ts), the postgres user's home, sshd, initdb and PostgreSQL.
import { randomBytes } from 'node:crypto';
import { chmod, chown, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { cleanupStale, teardown } from './cleanup.ts';
import { getPostgresUser, runInHost, startHostInit } from './host-init.ts';
import {
  bridgeName,
  claimSubnet,
  createBridge,
  createHostNetwork,
  ensureSafetyRoute,
  hostIp,
  netnsName,
  vethName,
} from './netns.ts';
import { type PgBinaries, pgBinaries } from './pg-binaries.ts';
import { initCluster, startPostgres } from './postgres-host.ts';
import { allOrFirstError, describeFailure, fileTail, harnessError, type ProcRef, selfRef } from './proc.ts';
import {
  fingerprint,
  generateKey,
  hostKeyPath,
  keyTypeAndBlob,
  knownHostsText,
  sshdConfigPath,
  sshdLogPath,
  waitTcp,
  writePostgresHome,
  writeSshdConfig,
} from './sshd.ts';
import {
  BASE_DIR,
  ensureBaseDir,
  type HostInfo,
  type HostsRun,
  type RunRecord,
  runDir,
  SUBNET_PREFIX,
  saveRecord,
} from './state.ts';

export interface UpOptions {
  /** Password of the `postgres` superuser on every host (default: random per run). */
  password?: string;
  /** Keep the run after this process exits (the CLI does); otherwise the next `up` reaps it. */
  detached?: boolean;
  /**
   * Hosts as the lab guide starts from: no ssh between them (no key pair, no known_hosts for the
   * postgres user; only the controller may log in) and no replication line in pg_hba.conf.
   */
  bare?: boolean;
}

const DEFAULT_VERSION = 15;

// WALBOARD_HOSTS_TRACE=1 prints how long each step of `up` took, to stderr.
let traceStart = Date.now();
const trace = (what: string): void => {
  if (process.env.WALBOARD_HOSTS_TRACE) console.error(`[hosts +${Date.now() - traceStart} ms] ${what}`);
};

/**
 * Creates `count` hosts named h1…hN. `versions[i]` is host i's PostgreSQL major version
 * (default 15). Removes leftovers of crashed earlier runs first.
 */
export async function up(
  count: number,
  versions: readonly (number | string)[] = [],
  opts: UpOptions = {},
): Promise<HostsRun> {
  if (!Number.isInteger(count) || count < 1 || count > 200) {
    throw harnessError(null, 'up', `host count ${count} is not between 1 and 200`);
  }
  if (versions.length > count)
    throw harnessError(null, 'up', `${versions.length} versions for ${count} hosts`);
  if (process.getuid?.() !== 0) {
    throw harnessError(null, 'up', 'not running as root', 'namespaces, sshd and chown need root');
  }
  const majors = Array.from({ length: count }, (_, i) => Number(versions[i] ?? DEFAULT_VERSION));
  for (const m of majors)
    if (!Number.isInteger(m)) throw harnessError(null, 'up', `bad version in ${versions}`);

  traceStart = Date.now();
  // sshd's privilege-separation dir is compiled in and shared by every sshd: create, never delete.
  await mkdir('/run/sshd', { recursive: true, mode: 0o755 });
  await ensureSafetyRoute();
  await ensureBaseDir();
  await chmod(BASE_DIR, 0o755);
  await cleanupStale();
  trace('stale runs cleaned');
  // Before creating anything, so a missing version fails fast and leaves nothing behind.
  const bins = await Promise.all(majors.map((m) => pgBinaries(m)));

  trace('binaries resolved');
  const run = await createRunDir();
  const rec: RunRecord = {
    schema: 1,
    run,
    owner: await selfRef(),
    detached: false,
    status: 'creating',
    createdAt: new Date().toISOString(),
    bridge: bridgeName(run),
    hosts: majors.map((_, i) => ({
      name: `h${i + 1}`,
      netns: netnsName(run, `h${i + 1}`),
      veth: vethName(run, i + 1),
    })),
  };
  // Concurrent host setups update the record; chain the writes so the last one wins in order.
  let saving: Promise<void> = saveRecord(rec);
  const save = () => {
    saving = saving.then(() => saveRecord(rec));
    return saving;
  };
  try {
    const desc = await build(rec, bins, opts, save);
    rec.description = desc;
    rec.status = 'up';
    rec.detached = opts.detached ?? false;
    await save();
    await writeFile(join(runDir(run), 'description.json'), `${JSON.stringify(desc, null, 2)}\n`);
    return desc;
  } catch (err) {
    await saving.catch(() => {});
    const problems = await teardown(rec).catch((e: Error) => [e.message]);
    if (problems.length > 0 && err instanceof Error) {
      err.message += ` (cleanup after the failure also had problems: ${problems.join('; ')})`;
    }
    throw err;
  }
}

async function createRunDir(): Promise<string> {
  for (;;) {
    // 6 chars of [a-z0-9]: short enough for 15-char interface names, unique enough per machine.
    const run = Array.from(randomBytes(6), (b) => 'abcdefghijklmnopqrstuvwxyz0123456789'[b % 36]).join('');
    try {
      await mkdir(runDir(run), { mode: 0o755 });
      await chmod(runDir(run), 0o755);
      return run;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
}

async function build(
  rec: RunRecord,
  bins: readonly PgBinaries[],
  opts: UpOptions,
  save: () => Promise<void>,
): Promise<HostsRun> {
  const dir = runDir(rec.run);
  const pgUser = await getPostgresUser();
  const password = opts.password ?? randomBytes(12).toString('hex');
  rec.subnetIndex = await claimSubnet(rec.run);
  await save();
  const subnet = `${SUBNET_PREFIX}.${rec.subnetIndex}.0/24`;
  const bridgeIp = hostIp(rec.subnetIndex, 0);
  await createBridge(rec.bridge, bridgeIp);
  trace('bridge up');

  const controllerDir = join(dir, 'controller');
  await mkdir(controllerDir, { mode: 0o700 });
  const controllerKey = await generateKey(
    null,
    join(controllerDir, 'id_ed25519'),
    `walboard-e2e-controller-${rec.run}`,
  );
  const postgresKey = await generateKey(
    null,
    join(controllerDir, 'postgres_id_ed25519'),
    `postgres@walboard-e2e-${rec.run}`,
  );

  // Directories and host keys first: every host's known_hosts lists every host's key.
  const hosts: HostInfo[] = await allOrFirstError(
    rec.hosts.map(async (h, i) => {
      const bin = bins[i];
      if (!bin) throw harnessError(h.name, 'up', 'no binaries resolved');
      const hostDir = join(dir, h.name);
      await mkdir(hostDir, { mode: 0o755 });
      await chmod(hostDir, 0o755);
      const sshDir = join(hostDir, 'ssh');
      await mkdir(sshDir, { mode: 0o700 });
      for (const [sub, mode] of [
        ['home', 0o755],
        // The data dir's parent belongs to postgres, as /var/lib/postgresql/<major> does on Debian:
        // a base backup builds the new copy beside the data dir and keeps the old one there.
        ['pg', 0o700],
        ['run', 0o755],
        ['log', 0o755],
        ['wal_archive', 0o700],
      ] as const) {
        await mkdir(join(hostDir, sub), { mode });
        await chown(join(hostDir, sub), pgUser.uid, pgUser.gid);
        await chmod(join(hostDir, sub), mode);
      }
      const key = await generateKey(h.name, hostKeyPath(sshDir), `${h.name}.walboard-e2e-${rec.run}`);
      return {
        name: h.name,
        ip: hostIp(rec.subnetIndex ?? 0, i + 1),
        netns: h.netns,
        sshPort: 22,
        sshUser: 'postgres',
        hostKeyFingerprint: await fingerprint(h.name, `${key.privatePath}.pub`),
        hostKeyPublic: keyTypeAndBlob(key.publicLine),
        dir: hostDir,
        homeDir: join(hostDir, 'home'),
        archiveDir: join(hostDir, 'wal_archive'),
        pg: {
          version: bin.major,
          versionString: bin.versionString,
          binDir: bin.binDir,
          dataDir: join(hostDir, 'pg', 'main'),
          port: 5432,
          logFile: join(hostDir, 'log', 'postgresql.log'),
          socketDir: join(hostDir, 'run'),
          superuser: 'postgres',
          password,
          // PostgreSQL 10 still defaults to md5 password storage.
          authMethod: bin.major >= 14 ? 'scram-sha-256' : 'md5',
        },
      } satisfies HostInfo;
    }),
  );

  const knownHosts = knownHostsText(hosts);
  const controllerKnownHostsPath = join(controllerDir, 'known_hosts');
  await writeFile(controllerKnownHostsPath, knownHosts);
  const hostsFile = join(dir, 'etc-hosts');
  await writeFile(hostsFile, `127.0.0.1\tlocalhost\n${hosts.map((h) => `${h.ip}\t${h.name}\n`).join('')}`);
  await chmod(hostsFile, 0o644);

  await allOrFirstError(
    hosts.map(async (host, i) => {
      const h = rec.hosts[i];
      if (!h) throw harnessError(host.name, 'up', 'record mismatch');
      trace(`${host.name}: creating network`);
      await createHostNetwork(host.name, h.netns, h.veth, rec.bridge, host.ip);
      await writePostgresHome(
        host.homeDir,
        opts.bare ? null : postgresKey,
        opts.bare ? [controllerKey.publicLine] : [postgresKey.publicLine, controllerKey.publicLine],
        opts.bare ? null : knownHosts,
      );
      const procs = await startHostInit({
        hostname: host.name,
        netns: h.netns,
        homeDir: host.homeDir,
        socketDir: host.pg.socketDir,
        hostsFile,
        readyFile: join(host.dir, 'init.ready'),
        logFile: join(host.dir, 'init.log'),
      });
      trace(`${host.name}: init ready`);
      h.unshare = procs.unshare;
      h.init = procs.init;
      await save();
      await Promise.all([
        startSshd(host, procs.init).then(() => trace(`${host.name}: sshd up`)),
        initCluster({
          host: host.name,
          init: procs.init,
          pg: host.pg,
          subnet,
          hostDir: host.dir,
          bare: opts.bare ?? false,
        })
          .then(() => trace(`${host.name}: initdb done`))
          .then(() => startPostgres(host.name, procs.init, host.pg))
          .then(() => trace(`${host.name}: postgres up`)),
      ]);
    }),
  );

  return {
    run: rec.run,
    runDir: dir,
    subnet,
    bridge: rec.bridge,
    bridgeIp,
    controllerKeyPath: controllerKey.privatePath,
    controllerKnownHostsPath,
    hosts,
  };
}

async function startSshd(host: HostInfo, init: ProcRef): Promise<void> {
  const sshDir = join(host.dir, 'ssh');
  await writeSshdConfig({
    host: host.name,
    ip: host.ip,
    sshDir,
    authorizedKeys: join(host.homeDir, '.ssh', 'authorized_keys'),
  });
  // sshd daemonizes: the daemon is orphaned into the host's PID namespace and reaped by its init.
  const r = await runInHost(init, [
    '/usr/sbin/sshd',
    '-f',
    sshdConfigPath(sshDir),
    '-E',
    sshdLogPath(sshDir),
  ]);
  if (r.code !== 0)
    throw harnessError(
      host.name,
      'starting sshd',
      `${describeFailure('sshd', r)}; log: ${await fileTail(sshdLogPath(sshDir))}`,
    );
  if (!(await waitTcp(host.ip, 22, 10_000))) {
    throw harnessError(
      host.name,
      'starting sshd',
      `nothing listens on ${host.ip}:22 after 10 s; log: ${await fileTail(sshdLogPath(sshDir))}`,
    );
  }
}
