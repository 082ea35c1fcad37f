// PostgreSQL on a test host: initdb, start, stop, crash, and queries from the controller.
// Everything runs as the postgres OS user inside the host's namespaces (see host-init.ts).
import { chown, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { QueryResultRow } from 'pg';
import pg from 'pg';
import { getPostgresUser, runInHost } from './host-init.ts';
import { nodeSetupShArgs } from './node-setup.ts';
import {
  childRefs,
  describeFailure,
  exePath,
  fileTail,
  harnessError,
  isAlive,
  outerPid,
  type ProcRef,
  procRef,
  waitGone,
} from './proc.ts';
import type { HostInfo, PgInfo } from './state.ts';

export interface InitClusterArgs {
  host: string;
  init: ProcRef;
  pg: PgInfo;
  subnet: string;
  hostDir: string;
  /** No replication line in pg_hba.conf: the lab guide's starting point. */
  bare?: boolean;
}

export async function initCluster(a: InitClusterArgs): Promise<void> {
  const user = await getPostgresUser();
  // initdb reads the password from a file; keep it out of argv and out of the data dir.
  const pwFile = join(a.hostDir, 'pgpass.initdb');
  await writeFile(pwFile, `${a.pg.password}\n`, { mode: 0o600 });
  await chown(pwFile, user.uid, user.gid);
  const initdb = [
    'sh',
    ...nodeSetupShArgs('initdb', [
      ...[a.pg.binDir, a.pg.dataDir, pwFile, a.pg.authMethod],
      // Skipping fsync of the new cluster: a test host never survives an OS crash anyway.
      'no-sync',
    ]),
  ];
  const r = await runInHost(a.init, initdb, { asUser: 'postgres', timeoutMs: 120_000 });
  await rm(pwFile, { force: true });
  if (r.code !== 0) {
    throw harnessError(a.host, `initdb (PostgreSQL ${a.pg.version})`, describeFailure('initdb', r));
  }
  // listen_addresses, port, socket dir (the same path on every host thanks to the bind mount)
  // and pg_hba lines for the run's subnet: the same lines the Docker lab's nodes get.
  const conf = [
    'sh',
    ...nodeSetupShArgs('pg-conf', [a.pg.dataDir, a.subnet, a.pg.authMethod, a.bare ? 'bare' : 'replication']),
  ];
  const c = await runInHost(a.init, conf, { asUser: 'postgres', timeoutMs: 30_000 });
  if (c.code !== 0) {
    throw harnessError(
      a.host,
      'writing postgresql.conf and pg_hba.conf',
      describeFailure('node-setup.sh pg-conf', c),
    );
  }
}

/** The running postmaster (root-namespace pid), or null if none runs for this data dir. */
export async function findPostmaster(init: ProcRef, pgInfo: PgInfo): Promise<ProcRef | null> {
  const text = await readFile(join(pgInfo.dataDir, 'postmaster.pid'), 'utf8').catch(() => null);
  const inner = Number(text?.split('\n')[0]);
  if (!text || !Number.isInteger(inner) || inner <= 0) return null;
  const outer = await outerPid(init.pid, inner);
  if (outer === null) return null;
  // The pid in a stale lock file may have been reused by something else inside the host.
  const exe = await exePath(outer);
  if (exe === null || !exe.endsWith('/postgres')) return null;
  const ref = await procRef(outer);
  return ref && (await isAlive(ref)) ? ref : null;
}

export async function startPostgres(host: string, init: ProcRef, pgInfo: PgInfo): Promise<void> {
  const running = await findPostmaster(init, pgInfo);
  if (running) return;
  // A postmaster.pid left by a crash is fine: its pid is gone (our init reaps at once, so no
  // zombie keeps kill(pid, 0) succeeding) and postgres itself replaces a stale lock file.
  const r = await runInHost(
    init,
    [join(pgInfo.binDir, 'pg_ctl'), '-D', pgInfo.dataDir, '-l', pgInfo.logFile, '-w', '-t', '60', 'start'],
    { asUser: 'postgres', timeoutMs: 90_000 },
  );
  if (r.code !== 0) {
    throw harnessError(
      host,
      `starting PostgreSQL ${pgInfo.version}`,
      `${describeFailure('pg_ctl start', r)}; last log lines: ${await fileTail(pgInfo.logFile)}`,
      `see ${pgInfo.logFile}`,
    );
  }
}

export type StopMode = 'smart' | 'fast' | 'immediate';

export async function stopPostgres(
  host: string,
  init: ProcRef,
  pgInfo: PgInfo,
  mode: StopMode,
): Promise<void> {
  if (!(await findPostmaster(init, pgInfo))) return;
  const r = await runInHost(
    init,
    [join(pgInfo.binDir, 'pg_ctl'), '-D', pgInfo.dataDir, '-m', mode, '-w', '-t', '60', 'stop'],
    { asUser: 'postgres', timeoutMs: 90_000 },
  );
  if (r.code !== 0) {
    throw harnessError(
      host,
      `stopping PostgreSQL (${mode})`,
      describeFailure('pg_ctl stop', r),
      `see ${pgInfo.logFile}`,
    );
  }
}

/**
 * kill -9 of the postmaster, then waits until it and its children are really gone, so that the
 * next start does not meet "pre-existing shared memory block is still in use".
 */
export async function crashPostgres(host: string, init: ProcRef, pgInfo: PgInfo): Promise<ProcRef> {
  const pm = await findPostmaster(init, pgInfo);
  if (!pm)
    throw harnessError(host, 'crashing PostgreSQL', 'no postmaster is running', 'start it first (startPg)');
  const children = await childRefs(pm.pid);
  process.kill(pm.pid, 'SIGKILL');
  if (!(await waitGone([pm, ...children], 15_000))) {
    throw harnessError(
      host,
      'crashing PostgreSQL',
      `postmaster ${pm.pid} or its children still alive after 15 s`,
    );
  }
  return pm;
}

export interface QueryOptions {
  database?: string;
  user?: string;
  password?: string;
  connectTimeoutMs?: number;
}

/** Runs one statement over TCP from the root namespace (like walboard does) and returns rows. */
export async function queryHost<R extends QueryResultRow = QueryResultRow>(
  host: HostInfo,
  sql: string,
  params: readonly unknown[] = [],
  opts: QueryOptions = {},
): Promise<R[]> {
  const client = new pg.Client({
    host: host.ip,
    port: host.pg.port,
    user: opts.user ?? host.pg.superuser,
    password: opts.password ?? host.pg.password,
    database: opts.database ?? 'postgres',
    connectionTimeoutMillis: opts.connectTimeoutMs ?? 5_000,
  });
  // Without a listener a connection error emitted after connect() would crash the worker.
  client.on('error', () => {});
  try {
    await client.connect();
    const res = await client.query<R>(sql, [...params]);
    return res.rows;
  } catch (err) {
    throw harnessError(host.name, `query on ${host.ip}:${host.pg.port}`, (err as Error).message);
  } finally {
    await client.end().catch(() => {});
  }
}
