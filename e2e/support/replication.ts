// Building real primary → standby pairs on test hosts, on any version 10–18, and loading them.
// The v15 client tools refuse servers ≥ 16 (postgres-versions.md §3, §6.1), and the pg10/pg18
// npm builds only have initdb/pg_ctl/postgres: so every standby here is made the low-level way,
// which works on all of them — backup start, rsync over ssh between the hosts, backup stop in
// the SAME session, backup_label written from what the stop returned.
import { spawn } from 'node:child_process';
import { capabilitiesFor } from '@walboard/server/src/postgres/capabilities.ts';
import pg from 'pg';
import { type HostInfo, type HostsRun, psql, runOnHost, startPg, stopPg, up } from '../hosts/harness.ts';

export interface StandbyOptions {
  /** application_name in primary_conninfo; default the standby's host name (walboard matches on it). */
  applicationName?: string;
  /** restore_command = 'cp <dir>/%f %p' (WAL shipping through this archive directory). */
  restoreFromArchiveDir?: string;
}

/** Paths the standby must not inherit from a running primary (they are rebuilt or per-server). */
const BACKUP_EXCLUDES = [
  'postmaster.pid',
  'postmaster.opts',
  'backup_label',
  'tablespace_map',
  'standby.signal',
  'recovery.signal',
  'recovery.conf',
  'pg_wal/*',
  'pg_replslot/*',
  'pg_stat_tmp/*',
  'pg_dynshmem/*',
  'pg_notify/*',
  'pg_serial/*',
  'pg_snapshots/*',
  'pg_subtrans/*',
];

/** A single-quoted value for postgresql.conf / recovery.conf. */
const confQuote = (v: string) => `'${v.replaceAll("'", "''")}'`;

async function writeAsPostgres(run: HostsRun, host: HostInfo, path: string, text: string, append = false) {
  await runOnHost(run, host, ['tee', ...(append ? ['-a'] : []), path], { asUser: 'postgres', input: text });
}

async function connect(host: HostInfo): Promise<pg.Client> {
  const c = new pg.Client({
    host: host.ip,
    port: host.pg.port,
    user: host.pg.superuser,
    password: host.pg.password,
    database: 'postgres',
    connectionTimeoutMillis: 5000,
  });
  c.on('error', () => {});
  await c.connect();
  return c;
}

/**
 * Makes `standby` a streaming hot standby of `primary` (same major version), started and
 * streaming when this returns.
 */
export async function buildStandby(
  run: HostsRun,
  primary: HostInfo,
  standby: HostInfo,
  opts: StandbyOptions = {},
): Promise<void> {
  const appName = opts.applicationName ?? standby.name;
  await stopPg(run, standby);
  await runOnHost(run, standby, ['find', standby.pg.dataDir, '-mindepth', '1', '-delete'], {
    asUser: 'postgres',
  });

  const client = await connect(primary);
  let labelFile: string;
  let caps: ReturnType<typeof capabilitiesFor>;
  try {
    const [v] = (await client.query<{ v: string }>("SELECT current_setting('server_version_num') AS v")).rows;
    caps = capabilitiesFor(Number(v?.v));
    const nx = caps.backup.nonExclusive;
    if (!nx) throw new Error(`PostgreSQL ${caps.major} on ${primary.name} has no non-exclusive backup`);
    // ≤ 14 the same function also does exclusive backups: the third argument says which.
    const exclusiveToo = caps.backup.exclusive !== null;
    await client.query(`SELECT ${nx.start}($1, true${exclusiveToo ? ', false' : ''})`, ['walboard-e2e']);
    await runOnHost(
      run,
      standby,
      [
        'rsync',
        '-a',
        ...BACKUP_EXCLUDES.map((p) => `--exclude=/${p}`),
        `${primary.name}:${primary.pg.dataDir}/`,
        `${standby.pg.dataDir}/`,
      ],
      { asUser: 'postgres', timeoutMs: 120_000 },
    );
    const stop = `SELECT labelfile FROM ${nx.stop}(${exclusiveToo ? 'false, ' : ''}true)`;
    const [row] = (await client.query<{ labelfile: string }>(stop)).rows;
    if (!row?.labelfile) throw new Error(`${nx.stop} on ${primary.name} returned no backup label`);
    labelFile = row.labelfile;
  } finally {
    await client.end().catch(() => {});
  }

  const dir = standby.pg.dataDir;
  await runOnHost(run, standby, ['mkdir', '-p', `${dir}/pg_wal/archive_status`], { asUser: 'postgres' });
  await writeAsPostgres(run, standby, `${dir}/backup_label`, labelFile);
  const conninfo = [
    `host=${primary.ip}`,
    `port=${primary.pg.port}`,
    `user=${primary.pg.superuser}`,
    `password=${primary.pg.password}`,
    `application_name=${appName}`,
  ].join(' ');
  const settings = [
    `primary_conninfo = ${confQuote(conninfo)}`,
    "recovery_target_timeline = 'latest'",
    ...(opts.restoreFromArchiveDir
      ? [`restore_command = ${confQuote(`cp ${opts.restoreFromArchiveDir}/%f %p`)}`]
      : []),
  ];
  if (caps.standbyConfig === 'recovery.conf') {
    await writeAsPostgres(
      run,
      standby,
      `${dir}/recovery.conf`,
      `standby_mode = 'on'\n${settings.join('\n')}\n`,
    );
  } else {
    await writeAsPostgres(run, standby, `${dir}/standby.signal`, '');
    await writeAsPostgres(run, standby, `${dir}/postgresql.auto.conf`, `\n${settings.join('\n')}\n`, true);
  }
  await startPg(run, standby);
  await waitForStreaming(run, primary, appName, 30_000);
}

/** Waits until the primary lists `applicationName` as a streaming WAL sender. */
export async function waitForStreaming(
  run: HostsRun,
  primary: HostInfo,
  applicationName: string,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const rows = await psql<{ state: string }>(
      run,
      primary,
      'SELECT state FROM pg_stat_replication WHERE application_name = $1',
      [applicationName],
    );
    if (rows.some((r) => r.state === 'streaming')) return;
    if (Date.now() > deadline) {
      throw new Error(
        `${applicationName} is not streaming from ${primary.name} after ${timeoutMs} ms (see ${primary.pg.logFile})`,
      );
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** archive_mode = on (restart) with this archive_command. */
export async function enableArchiving(run: HostsRun, host: HostInfo, archiveCommand: string): Promise<void> {
  await psql(run, host, 'ALTER SYSTEM SET archive_mode = on');
  await psql(run, host, `ALTER SYSTEM SET archive_command = ${confQuote(archiveCommand)}`);
  await stopPg(run, host);
  await startPg(run, host);
}

/** A new archive_command, applied by reload (archive_command is sighup on every version). */
export async function setArchiveCommand(
  run: HostsRun,
  host: HostInfo,
  archiveCommand: string,
): Promise<void> {
  await psql(run, host, `ALTER SYSTEM SET archive_command = ${confQuote(archiveCommand)}`);
  await psql(run, host, 'SELECT pg_reload_conf()');
}

/** Writes a row and switches WAL, so that one segment becomes ready for archiving. */
export async function switchWal(run: HostsRun, host: HostInfo): Promise<void> {
  await psql(run, host, 'CREATE TABLE IF NOT EXISTS e2e_switch (id serial PRIMARY KEY, at timestamptz)');
  await psql(run, host, 'INSERT INTO e2e_switch (at) VALUES (now())');
  await psql(run, host, 'SELECT pg_switch_wal()');
}

export const PGBENCH = '/usr/lib/postgresql/15/bin/pgbench';

/** Runs the machine's pgbench (v15) from the root namespace against the host's IP; rejects on failure. */
export function pgbench(host: HostInfo, args: readonly string[], timeoutMs = 120_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      PGBENCH,
      ['-h', host.ip, '-p', String(host.pg.port), '-U', host.pg.superuser, ...args, 'postgres'],
      { env: { ...process.env, PGPASSWORD: host.pg.password }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      out += d.toString();
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(out);
      else
        reject(
          new Error(`pgbench ${args.join(' ')} against ${host.name} exited ${code}: ${out.slice(-500)}`),
        );
    });
  });
}

export interface VersionPair {
  version: number;
  primary: HostInfo;
  standby: HostInfo;
}

/** Hosts h1…h2n as n primary → standby pairs, one per version, in order (hosts not yet linked). */
export async function upPairs(versions: readonly number[]): Promise<{ run: HostsRun; pairs: VersionPair[] }> {
  const run = await up(
    versions.length * 2,
    versions.flatMap((v) => [v, v]),
  );
  const pairs = versions.map((version, i) => {
    const [primary, standby] = [run.hosts[2 * i], run.hosts[2 * i + 1]];
    if (!primary || !standby) throw new Error(`the harness did not create ${versions.length * 2} hosts`);
    return { version, primary, standby };
  });
  return { run, pairs };
}
