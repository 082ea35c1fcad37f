import type { NodeConfig } from '@walboard/shared/config';
import type { BaseBackupMethod, OperationRequestOf, PlanStep } from '@walboard/shared/operations';
import { peerAddress, type SshTarget, sshTargetOf } from '../../nodes/node-address.ts';
import type { PgConnection } from '../../nodes/node-session.ts';
import { shellQuote, shellTemplate } from '../../nodes/shell-quote.ts';
import type { RawProcess } from '../../nodes/transport.ts';
import type { Capabilities } from '../../postgres/capabilities.ts';
import { buildConninfo } from '../../postgres/conninfo.ts';
import { pgpassPassword } from '../../postgres/pgpass.ts';
import type { ClusterReader, ServerFacts } from '../cluster-reader.ts';
import { builtPlan, defineOperation, type GatherOptions } from '../operation-module.ts';
import { type ExecStep, PlanRefusal, type StepResult, type StepRuntime } from '../plan-types.ts';
import {
  asideDirOf,
  formatBytes,
  needRunningPrimary,
  otherNodes,
  pgpassOf,
  stagingDirOf,
} from '../replication-common.ts';
import { commandStep, customStep, fail, ok, pgCtlStep, waitFor } from '../step-builders.ts';
import { runCommand } from '../step-executor.ts';
import { sshProofArgv } from './link-nodes.ts';
import { ProgressMeter } from './progress-meter.ts';

/**
 * base-backup: a new copy of the primary's data directory for a standby. The copy is assembled
 * beside the standby's data directory while the standby keeps running; only then is the standby
 * stopped and the two directories swapped, the old one kept aside (never deleted here). Cancel
 * during the copy removes the partial copy and leaves the standby as it was.
 */

/** Set once the swap has begun: from then on the new copy is never removed by the clean-up. */
const SWAPPED = 'base-backup-swapped';

/** What a failed copy leaves, and what to do: said with every copy failure. */
const KEPT = (f: BackupFacts) =>
  `${f.standby.name}'s data directory ${f.standby.postgres.dataDir} is untouched and the partial copy ${stagingDirOf(f.standby)} is removed; find out why the copy stopped, then run base-backup on ${f.standby.name} again`;
const COPY_TIMEOUT_MS = 6 * 3600_000;

export interface BackupFacts {
  standby: NodeConfig;
  server: ServerFacts;
  primary: NodeConfig;
  primaryCaps: Capabilities;
  primaryAddress: string;
  standbyMajor: number | null;
  archs: [string | null, string | null];
  clientSessions: string[];
  upstream: { host: string; port: number; status: string } | null;
  sameSystem: boolean;
  freshCopy: boolean;
  stagingExists: boolean;
  parentWritable: boolean;
  freeBytes: number | null;
  primaryBytes: number;
  tablespaces: string[];
  pgBasebackup: string | null;
  pgpassReady: boolean;
  home: string;
  /**
   * How the lab copy reaches the standby: ssh from the primary (its user's home, the standby as
   * target), or null when both nodes are on this machine.
   */
  link: { home: string; target: SshTarget } | null;
  /** Why the primary cannot ssh to the standby (null when it can, or needs not). */
  linkBroken: string | null;
}

export async function readBackupFacts(
  req: { node: string; params: { from: string; replicationUser: string; method: BaseBackupMethod } },
  reader: ClusterReader,
  opts: GatherOptions = {},
): Promise<BackupFacts> {
  const standby = reader.session(req.node).config;
  const [primary] = otherNodes(reader, req.node, [req.params.from], 'source');
  if (!primary) throw new Error('unreachable');
  const from = primary.name;
  const pServer = await reader.server(from);
  const primaryCaps = needRunningPrimary(from, pServer, 'be copied');
  const parent = standby.postgres.dataDir.replace(/\/+$/, '').replace(/\/[^/]*$/, '') || '/';
  const predicting = opts.predicting === true;
  const [
    server,
    standbyMajor,
    archA,
    archB,
    sysS,
    sysP,
    staging,
    parentWritable,
    freeBytes,
    sizeRows,
    spcRows,
    home,
  ] = await Promise.all([
    reader.server(req.node),
    reader.binMajor(req.node),
    reader.arch(req.node),
    reader.arch(from),
    reader.systemId(req.node),
    reader.systemId(from),
    reader.pathType(req.node, stagingDirOf(standby)),
    reader.writable(req.node, parent),
    reader.freeBytes(req.node, parent),
    reader.query<{ bytes: string }>(
      from,
      'SELECT sum(pg_database_size(oid))::bigint::text AS bytes FROM pg_database',
    ),
    reader.query<{ spcname: string }>(
      from,
      "SELECT spcname FROM pg_tablespace WHERE spcname NOT IN ('pg_default', 'pg_global')",
    ),
    reader.home(req.node),
  ]);
  let clientSessions: string[] = [];
  if (server.running && server.inRecovery === false) {
    const rows = await reader.query<{ who: string }>(
      req.node,
      `SELECT coalesce(usename, '?') || '@' || coalesce(host(client_addr), 'local') || ' (' || coalesce(nullif(application_name, ''), 'no application name') || ')' AS who
         FROM pg_stat_activity
        WHERE pid <> pg_backend_pid() AND datname IS NOT NULL
          AND application_name NOT LIKE 'walboard%'${primaryCaps.versionNum >= 100000 ? " AND backend_type = 'client backend'" : ''}`,
    );
    clientSessions = rows.map((r) => r.who);
  }
  const tools = await reader.tools(req.node, Number(primaryCaps.major));
  const pgpass = await reader.file(req.node, pgpassOf(standby, home));
  const primaryAddress = peerAddress(primary);
  const backupLabel =
    sysS !== null && sysS === sysP
      ? await reader.pathType(req.node, `${standby.postgres.dataDir}/backup_label`)
      : null;
  const target = standby.transport === 'local' && primary.transport === 'local' ? null : sshTargetOf(standby);
  const link = target ? { home: await reader.home(from), target } : null;
  let linkBroken: string | null = null;
  if (link && req.params.method === 'lab' && !predicting) {
    const r = await reader.exec(from, sshProofArgv(link.home, link.target), 30_000);
    if (r.code !== 0) linkBroken = (r.stderr || r.stdout).trim().split('\n').at(-1) ?? `exit ${r.code}`;
  }
  return {
    standby,
    server,
    primary,
    primaryCaps,
    primaryAddress,
    standbyMajor,
    archs: [archA, archB],
    clientSessions,
    upstream: await reader.upstream(req.node),
    sameSystem: sysS !== null && sysS === sysP,
    freshCopy: !server.running && backupLabel === 'file',
    stagingExists: staging !== null,
    parentWritable,
    freeBytes,
    primaryBytes: Number(sizeRows[0]?.bytes ?? 0),
    tablespaces: spcRows.map((r) => r.spcname),
    pgBasebackup: tools.pg_basebackup,
    pgpassReady:
      predicting ||
      pgpassPassword(pgpass?.text ?? null, {
        host: primaryAddress,
        port: primary.postgres.port,
        database: 'replication',
        user: req.params.replicationUser,
      }) !== null,
    home,
    link,
    linkBroken,
  };
}

/** Refusals that hold whatever the method. */
function refuseUnsafe(
  f: BackupFacts,
  req: { overwriteInUse: boolean; method: BaseBackupMethod; replicationUser: string },
): void {
  const s = f.standby.name;
  const p = f.primary.name;
  // First: never take a standby away from another primary, whatever else is wrong.
  if (f.upstream) {
    const same = f.upstream.host === f.primaryAddress && f.upstream.port === f.primary.postgres.port;
    if (!same)
      throw new PlanRefusal(
        s,
        `${s} is a standby streaming from ${f.upstream.host}:${f.upstream.port}, not from ${p} (${f.primaryAddress}:${f.primary.postgres.port}): walboard does not take a standby away from another primary; stop it first if that is what you mean`,
      );
  }
  if (f.standbyMajor !== null && String(f.standbyMajor) !== f.primaryCaps.major)
    throw new PlanRefusal(
      s,
      `${s} has PostgreSQL ${f.standbyMajor} binaries and ${p} runs ${f.primaryCaps.major}: a physical copy only runs on the same major version; install PostgreSQL ${f.primaryCaps.major} on ${s} and set its binDir`,
    );
  if (f.archs[0] && f.archs[1] && f.archs[0] !== f.archs[1])
    throw new PlanRefusal(
      s,
      `${s} is ${f.archs[0]} and ${p} is ${f.archs[1]}: data files cannot move between architectures`,
    );
  if (f.server.running && f.server.inRecovery === false && f.clientSessions.length > 0 && !req.overwriteInUse)
    throw new PlanRefusal(
      s,
      `${s} runs as a primary with ${f.clientSessions.length} client session${f.clientSessions.length === 1 ? '' : 's'} (${f.clientSessions.slice(0, 3).join(', ')}): its data would be replaced; stop those clients, or send overwriteInUse: true if this data may go`,
    );
  if (f.tablespaces.length > 0)
    throw new PlanRefusal(
      p,
      `${p} has tablespaces (${f.tablespaces.join(', ')}): walboard copies data directories without tablespaces only`,
    );
  if (!f.parentWritable)
    throw new PlanRefusal(
      s,
      `walboard builds the new copy beside ${f.standby.postgres.dataDir} and keeps the old one there: the node user on ${s} must be able to create folders in its parent`,
    );
  const need = Math.ceil(f.primaryBytes * 1.1);
  if (f.freeBytes !== null && f.freeBytes < need)
    throw new PlanRefusal(
      s,
      `${s} has ${formatBytes(f.freeBytes)} free beside its data directory and the copy needs about ${formatBytes(need)} (${p}'s databases + 10 %): the old data directory is kept, so free some space first`,
    );
  if (!f.pgpassReady)
    throw new PlanRefusal(
      s,
      `${s} has no password for ${req.replicationUser}@${f.primaryAddress}:${f.primary.postgres.port} in ${pgpassOf(f.standby, f.home)}: run configure-primary on ${p} with ${s} among its standbys first`,
    );
}

function stopAndSwapSteps(f: BackupFacts, now: Date, extra: Partial<PlanStep>): ExecStep[] {
  const s = f.standby.name;
  const pgc = f.standby.postgres;
  const data = pgc.dataDir.replace(/\/+$/, '');
  const steps: ExecStep[] = [];
  if (f.server.running)
    steps.push(
      pgCtlStep(
        s,
        { binDir: pgc.binDir, dataDir: pgc.dataDir },
        'stop',
        `Stop ${s} (fast mode)`,
        ['-m', 'fast'],
        {
          ...extra,
          critical: true,
        },
      ),
    );
  steps.push(
    commandStep(
      s,
      `Keep ${s}'s old data directory aside as ${asideDirOf(f.standby, now)} (never deleted by walboard)`,
      ['mv', '-T', '--', data, asideDirOf(f.standby, now)],
      60_000,
      { ...extra, critical: true },
    ),
    commandStep(
      s,
      `Put the new copy in place as ${data}`,
      ['mv', '-T', '--', stagingDirOf(f.standby), data],
      60_000,
      { ...extra, critical: true },
    ),
  );
  // From the first of these steps on, the new copy is never removed by walboard's clean-up.
  const first = steps[0] as ExecStep;
  const argv = first.shown.argv ?? [];
  first.run = async (rt) => {
    rt.shared.set(SWAPPED, true);
    return runCommand(rt, first, argv);
  };
  return steps;
}

function cleanupStaging(rt: StepRuntime, f: BackupFacts): void {
  rt.onCleanup(async () => {
    if (rt.shared.get(SWAPPED) === true) return;
    await rt
      .session(f.standby.name)
      .transport.exec(['rm', '-rf', '--', stagingDirOf(f.standby)], { timeoutMs: 300_000 });
  });
}

/**
 * pg_basebackup syncs every file it wrote only once the copy is over: ~40 % of a 1 GB copy here,
 * and the noisiest part. A copy runs instead while its file system is flushed (`sync -f`,
 * syncfs) every 250 ms alongside, and once more when it ends, before the step succeeds: the copy
 * is on disk before the swap, as with pg_basebackup's own sync, in ~20 % less time (pg_basebackup
 * gets -N; the lab method's receiving tar never synced at all). Where `sync` has no -f (coreutils
 * < 8.24) the program runs as it is. The program keeps the shell's stdin (the lab's tar stream; an
 * asynchronous command would get /dev/null). A program killed from outside is told as such (the
 * shell's exit status alone would hide the signal).
 */
function flushingCopy(noSyncFlag: '-N' | null): string {
  // Fixed text: the folder and the program come in as arguments, never into the script itself.
  return [
    // biome-ignore lint/suspicious/noTemplateCurlyInString: shell parameter expansion (basename of $1)
    'd=$1; shift; n=${1##*/}',
    'sync --help 2>/dev/null | grep -q -e --file-system || exec "$@"',
    'exec 3<&0',
    `"$@"${noSyncFlag ? ` ${noSyncFlag}` : ''} <&3 3<&- & p=$!`,
    'exec 3<&-',
    'while kill -0 "$p" 2>/dev/null; do sleep 0.25; [ -d "$d" ] && sync -f "$d" 2>/dev/null; done',
    'wait "$p"; rc=$?',
    'if [ "$rc" -gt 128 ]; then echo "$n was killed (signal $((rc - 128)))" >&2; fi',
    '[ "$rc" -eq 0 ] || exit "$rc"',
    'echo "$n: flushing the copy to disk (sync -f)" >&2',
    'sync -f "$d" || { echo "sync -f $d failed: the copy may not be on disk" >&2; exit 1; }',
  ].join('\n');
}

/** argv that runs `copy` (which writes into `dir`) with the flushes of flushingCopy. */
function flushedCopyArgv(dir: string, copy: readonly string[], noSyncFlag: '-N' | null): string[] {
  return ['sh', '-c', flushingCopy(noSyncFlag), 'sh', dir, ...copy];
}

function pgBasebackupArgv(f: BackupFacts, user: string): string[] {
  const conninfo = buildConninfo([
    ['host', f.primaryAddress],
    ['port', f.primary.postgres.port],
    ['user', user],
    ['passfile', f.standby.postgres.passfile],
  ]);
  const copy = [
    f.pgBasebackup as string,
    '-d',
    conninfo,
    '-D',
    stagingDirOf(f.standby),
    '-X',
    'stream',
    '-c',
    'fast',
    '-P',
    '-v',
    '-w',
    '-l',
    `walboard base backup for ${f.standby.name}`,
  ];
  return flushedCopyArgv(stagingDirOf(f.standby), copy, '-N');
}

/** What a line of a copy's output is: progress, a marker walboard reads itself, or output to show. */
type LineKind = 'progress' | 'hidden' | 'show';

interface CopyExit {
  code: number | null;
  signal: string | null;
  cancelled: boolean;
  timedOut: boolean;
  tail: string;
}

/** How a copy process ended, for a message: "exited with 1: <last line>" or "was killed (signal KILL)". */
function copyEnd(r: Pick<CopyExit, 'code' | 'signal' | 'tail'>): string {
  if (r.code === null)
    return `was killed (signal ${r.signal ?? 'unknown'}), by someone else than walboard${r.tail ? `; its last line: ${r.tail}` : ''}`;
  return `exited with ${r.code}${r.tail ? `: ${r.tail}` : ''}`;
}

/** Waits for a raw process, passing its output on line by line (\r or \n separated). */
async function followProcess(
  rt: StepRuntime,
  proc: RawProcess,
  classify: (line: string) => LineKind,
  timeoutMs: number,
): Promise<CopyExit> {
  let tail = '';
  let partial = '';
  const take = (chunk: Buffer) => {
    const parts = (partial + chunk.toString('utf8')).split(/\r|\n/);
    partial = parts.pop() ?? '';
    for (const p of parts) {
      if (p.trim() === '') continue;
      if (classify(p) === 'show') {
        rt.out(p);
        tail = p;
      }
    }
  };
  proc.stderr.on('data', take);
  proc.stdout.on('data', take);
  let cancelled = false;
  let timedOut = false;
  const onAbort = () => {
    cancelled = true;
    proc.kill();
  };
  rt.signal.addEventListener('abort', onAbort, { once: true });
  const timer = setTimeout(() => {
    timedOut = true;
    proc.kill();
  }, timeoutMs);
  try {
    const exit = await proc.done;
    return { code: exit.code, signal: exit.signal, cancelled, timedOut, tail };
  } finally {
    clearTimeout(timer);
    rt.signal.removeEventListener('abort', onAbort);
  }
}

function pgBasebackupStep(f: BackupFacts, user: string, extra: Partial<PlanStep>): ExecStep {
  const s = f.standby.name;
  const argv = pgBasebackupArgv(f, user);
  const progressSql =
    'SELECT phase, backup_total::text AS total, backup_streamed::text AS done FROM pg_stat_progress_basebackup';
  return customStep(
    {
      node: s,
      kind: 'command',
      title: `Copy ${f.primary.name}'s data directory to ${stagingDirOf(f.standby)} on ${s} with pg_basebackup (WAL streamed alongside)`,
      argv,
      detail: `${s} keeps running meanwhile. The password comes from ${pgpassOf(f.standby, f.home)}. Progress: ${
        f.primaryCaps.hasBasebackupProgress
          ? `pg_stat_progress_basebackup on ${f.primary.name}`
          : "pg_basebackup's own -P counter"
      }, every 500 ms. The copy is flushed to disk while it runs (sync -f every 250 ms, pg_basebackup -N) and once more at its end, before the swap. Cancel stops the copy and removes ${stagingDirOf(f.standby)}.`,
      ...extra,
    },
    async (rt) => {
      cleanupStaging(rt, f);
      const meter = new ProgressMeter(f.primaryBytes);
      const proc = await rt.session(s).transport.spawn(argv);
      let timer: NodeJS.Timeout | undefined;
      if (f.primaryCaps.hasBasebackupProgress) {
        const primary = rt.session(f.primary.name);
        timer = setInterval(() => {
          void primary
            .query<{ phase: string; total: string | null; done: string | null }>(progressSql)
            .then((rows) => {
              const r = rows[0];
              if (r)
                rt.progress(
                  meter.at(Number(r.done ?? 0), r.total === null ? null : Number(r.total), r.phase),
                );
            })
            .catch(() => {});
        }, 500);
      }
      const classify = (line: string): LineKind => {
        const m = /(\d+)\/(\d+) kB/.exec(line);
        if (!m) return 'show';
        if (!f.primaryCaps.hasBasebackupProgress)
          rt.progress(meter.at(Number(m[1]) * 1024, Number(m[2]) * 1024));
        return 'progress';
      };
      const r = await followProcess(rt, proc, classify, COPY_TIMEOUT_MS).finally(() => clearInterval(timer));
      return copyResult(r, `pg_basebackup on ${s}`, meter, rt, f);
    },
    COPY_TIMEOUT_MS,
  );
}

function copyResult(
  r: CopyExit,
  what: string,
  meter: ProgressMeter,
  rt: StepRuntime,
  f: BackupFacts,
): StepResult {
  if (r.cancelled)
    return {
      ok: false,
      cancelled: true,
      output: '',
      exitCode: r.code,
      reason: `${what} was stopped; the partial copy is removed`,
    };
  if (r.timedOut)
    return {
      ok: false,
      output: '',
      exitCode: r.code,
      reason: `${what} did not finish within 6 h and was stopped`,
    };
  if (r.code !== 0)
    return { ok: false, output: '', exitCode: r.code, reason: `${what} ${copyEnd(r)}. ${KEPT(f)}` };
  const done = meter.finish();
  rt.progress(done);
  return {
    ok: true,
    output: `copied ${formatBytes(done.doneBytes)} in ${meter.seconds().toFixed(1)} s`,
    exitCode: 0,
  };
}

/** Files and folders a low-level copy leaves out (as pg_basebackup does). */
export function tarExcludes(caps: Capabilities): string[] {
  const dirs = [
    caps.walDir,
    'pg_replslot',
    'pg_stat_tmp',
    'pg_dynshmem',
    'pg_notify',
    'pg_serial',
    'pg_snapshots',
    'pg_subtrans',
  ];
  const files = [
    'postmaster.pid',
    'postmaster.opts',
    'backup_label',
    'backup_label.old',
    'tablespace_map',
    'standby.signal',
    'recovery.signal',
    'recovery.conf',
    'recovery.done',
    'promote.trigger',
    'current_logfiles',
    'postgresql.auto.conf.tmp',
  ];
  return [
    ...dirs.map((d) => `--exclude=./${d}/*`),
    ...files.map((f) => `--exclude=./${f}`),
    '--exclude=pgsql_tmp*',
  ];
}

const BACKUP_SESSION = 'base-backup-session';
/** After backup_label is written: syncfs of the copy's file system (plain sync without -f). */
const LABEL_FLUSH = (dir: string) => ['sh', '-c', 'sync -f "$1" 2>/dev/null || sync', 'sh', dir];
/** tar writes records of 20 × 512 bytes; a checkpoint every 1000 records is every 10 MB. */
const TAR_CHECKPOINT = 1000;
const TAR_RECORD_BYTES = 10_240;
const COPY_CIPHERS = 'aes128-gcm@openssh.com,aes256-gcm@openssh.com,chacha20-poly1305@openssh.com,aes128-ctr';
const TAR_PIPE = '{ {{tar}}; echo "walboard-tar-exit:$?" >&2; } | {{receive}}';

function labSteps(f: BackupFacts, extra: Partial<PlanStep>): ExecStep[] {
  const s = f.standby.name;
  const p = f.primary.name;
  const caps = f.primaryCaps;
  const low = caps.lowLevelBackup;
  if (!low)
    throw new PlanRefusal(
      p,
      `PostgreSQL ${caps.major} has only exclusive low-level backups: use method pg_basebackup`,
    );
  const staging = stagingDirOf(f.standby);
  const label = `walboard lab backup for ${s}`;
  const tarOut = [
    'tar',
    '-C',
    f.primary.postgres.dataDir,
    '-cf',
    '-',
    '--warning=no-file-changed',
    '--warning=no-file-removed',
    `--checkpoint=${TAR_CHECKPOINT}`,
    ...tarExcludes(caps),
    '.',
  ];
  const tarIn = flushedCopyArgv(staging, ['tar', '-C', staging, '-xpf', '-'], null);
  // The pipe runs on the primary: tar into ssh to the standby (or into a second tar when both are
  // local). dash has no pipefail, so tar's own status is written on stderr and read back.
  const link = f.link;
  // AES-GCM first: with the CPU's AES instructions it is several times faster than OpenSSH's
  // default chacha20-poly1305 for a bulk copy. Every cipher listed is enabled by default in sshd.
  const ssh = link ? sshProofArgv(link.home, link.target) : [];
  const receive = link
    ? [...ssh.slice(0, 1), '-o', `Ciphers=${COPY_CIPHERS}`, ...ssh.slice(1, -1), shellQuote(tarIn)]
    : tarIn;
  const pipeline = ['sh', '-c', shellTemplate(TAR_PIPE, { tar: tarOut, receive })];
  return [
    customStep(
      {
        node: p,
        kind: 'sql',
        title: `Start a backup on ${p} (fast checkpoint), in a session walboard keeps open until the copy is done`,
        sql: low.start,
        sqlParams: [label],
        detail:
          caps.versionNum >= 150000
            ? 'From PostgreSQL 15 on, start and stop must run in the same session; ending that session aborts the backup.'
            : "A non-exclusive backup: start and stop run in the same session, and nothing is written into the primary's data directory.",
        ...extra,
      },
      async (rt) => {
        cleanupStaging(rt, f);
        const conn = await rt
          .session(p)
          .connect({ connectTimeoutMs: 10_000, queryTimeoutMs: 0, applicationName: 'walboard-backup' });
        rt.onCleanup(() => conn.close());
        rt.shared.set(BACKUP_SESSION, conn);
        const r = await conn.query<{ lsn: string }>({ text: low.start, values: [label] });
        return ok(`backup started at ${r.rows[0]?.lsn}`);
      },
      120_000,
    ),
    commandStep(
      s,
      `Create ${staging} on ${s} for the copy`,
      ['mkdir', '-m', '700', '--', staging],
      30_000,
      extra,
    ),
    customStep(
      {
        node: p,
        kind: 'copy',
        title: `Stream ${p}'s data directory as tar (no compression) into ${staging} on ${s}`,
        argv: pipeline,
        pipeTo: { node: s, argv: tarIn },
        detail: link
          ? `The command above runs on ${p}: tar piped straight into ssh to ${s} (the key link-nodes set up), which runs the receiving tar there; tar's own exit status is printed on stderr because sh has no pipefail. tar reports every 10 MB, which is the progress. The lab guide compressed it with gzip (about 7 times slower here). WAL is left out: ${s} gets it from its archive or by streaming. Cancel stops the copy and removes ${staging}.`
          : `Both servers are on this machine: one tar pipes into the other. WAL is left out: ${s} gets it from its archive or by streaming. Cancel stops the copy and removes ${staging}.`,
        ...extra,
      },
      async (rt) => {
        const meter = new ProgressMeter(f.primaryBytes);
        const proc = await rt.session(p).transport.spawn(pipeline);
        let tarExit: number | null = null;
        let bytes = 0;
        const r = await followProcess(
          rt,
          proc,
          (line) => {
            const exit = /^walboard-tar-exit:(\d+)$/.exec(line);
            if (exit) {
              tarExit = Number(exit[1]);
              return 'hidden';
            }
            const m = /Write checkpoint (\d+)$/.exec(line);
            if (!m) return 'show';
            bytes = Number(m[1]) * TAR_RECORD_BYTES;
            rt.progress(meter.at(bytes, null));
            return 'progress';
          },
          COPY_TIMEOUT_MS,
        );
        if (r.cancelled)
          return {
            ok: false,
            cancelled: true,
            output: '',
            exitCode: r.code,
            reason: 'the copy was stopped; the partial copy is removed',
          };
        if (r.timedOut) return fail('the copy did not finish within 6 h and was stopped');
        // GNU tar exits 1 when a file changed while it was read: expected under a running server.
        const sent = tarExit === 0 || tarExit === 1;
        // When the receiving end dies, the sending tar only sees a broken pipe (SIGPIPE, 128 + 13).
        if (r.code !== 0 && (sent || tarExit === 141))
          return fail(
            `the receiving tar on ${s} (through ssh from ${p}) ${copyEnd(r)}${r.code === 255 ? ' (ssh says 255 when the connection broke or the remote command was killed by a signal)' : ''}. ${KEPT(f)}`,
          );
        if (!sent)
          return fail(
            `tar on ${p} ${tarExit === null ? 'ended without a status' : `exited with ${tarExit}`}${r.tail ? `: ${r.tail}` : ''}. ${KEPT(f)}`,
          );
        const done = meter.finish(bytes);
        rt.progress(done);
        return ok(`copied about ${formatBytes(bytes)} in ${meter.seconds().toFixed(1)} s`);
      },
      COPY_TIMEOUT_MS,
    ),
    customStep(
      {
        node: p,
        kind: 'sql',
        title: `Stop the backup on ${p} (in the same session) and write the backup_label it returns into the copy on ${s}`,
        sql: low.stop,
        sqlParams: [],
        runs: [{ node: s, argv: LABEL_FLUSH(staging) }],
        detail:
          'Then walboard waits until the last WAL segment the copy needs is archived (pg_stat_archiver, every 50 ms): the standby reads it from its archive directory. backup_label tells the standby where to start replaying; it is flushed to disk with the copy before the swap.',
        ...extra,
      },
      async (rt) => {
        const conn = rt.shared.get(BACKUP_SESSION) as PgConnection | undefined;
        if (!conn) return fail('the backup session is gone');
        const r = await conn.query<{ lsn: string; labelfile: string; spcmapfile: string | null }>({
          text: low.stop,
        });
        const row = r.rows[0];
        if (!row) return fail('the backup stop returned nothing');
        const archived = await waitArchived(rt, conn, row.lsn);
        if (!archived.ok) return archived;
        const t = rt.session(s).transport;
        await t.writeFileAtomic(`${staging}/backup_label`, row.labelfile, 0o600);
        if (row.spcmapfile) await t.writeFileAtomic(`${staging}/tablespace_map`, row.spcmapfile, 0o600);
        // The rest of the copy was flushed by the receiving side; these files go to disk too.
        const flushed = await t.exec(LABEL_FLUSH(staging), { timeoutMs: 600_000 });
        if (flushed.code !== 0)
          return fail(`flushing ${staging} on ${s} to disk failed: ${flushed.stderr.trim()}. ${KEPT(f)}`);
        return ok(`backup stopped at ${row.lsn}; ${archived.output}\n${row.labelfile.trim()}`);
      },
      3600_000,
    ),
  ];
}

/** Waits until the segment holding `lsn` is archived (what pg_backup_stop(true) would wait for). */
async function waitArchived(rt: StepRuntime, conn: PgConnection, lsn: string): Promise<StepResult> {
  const seg = await conn.query<{ f: string; mode: string }>({
    text: "SELECT pg_walfile_name($1::pg_lsn) AS f, current_setting('archive_mode') AS mode",
    values: [lsn],
  });
  const file = seg.rows[0]?.f ?? '';
  if (seg.rows[0]?.mode === 'off')
    return ok('archive_mode is off: the standby gets its WAL by streaming only');
  rt.out(`waiting until ${file} is archived`);
  const sql = 'SELECT last_archived_wal, last_failed_wal, failed_count::text AS failed FROM pg_stat_archiver';
  const before = (await conn.query<{ failed: string }>({ text: sql })).rows[0]?.failed;
  const done = await waitFor(
    async () => {
      const a = (
        await conn.query<{
          last_archived_wal: string | null;
          last_failed_wal: string | null;
          failed: string;
        }>({ text: sql })
      ).rows[0];
      if (a?.last_archived_wal && a.last_archived_wal.slice(0, 24) >= file) return 'archived';
      return a && a.failed !== before && a.last_failed_wal === file ? 'failing' : null;
    },
    600_000,
    50,
    rt.signal,
  );
  if (done === 'archived') return ok(`${file} archived`);
  if (done === 'failing')
    return fail(
      `archiving ${file} fails: the copy needs it; see the primary's log for what archive_command printed`,
    );
  return fail(`${file} was not archived within 10 min: see the primary's log for the archiver's messages`);
}

/** The steps of base-backup (also a phase of setup-replication). */
export function planBaseBackup(
  f: BackupFacts,
  req: { from: string; method: BaseBackupMethod; overwriteInUse: boolean; replicationUser: string },
  now: Date,
  extra: Partial<PlanStep> = {},
): { steps: ExecStep[]; notes: string[] } {
  const s = f.standby.name;
  const p = f.primary.name;
  if (
    f.server.inRecovery &&
    f.upstream &&
    f.upstream.host === f.primaryAddress &&
    f.upstream.port === f.primary.postgres.port &&
    f.sameSystem
  )
    return {
      steps: [],
      notes: [
        `${s} is already a standby of ${p} (${f.upstream.status}): no new copy is needed. To copy anyway, stop ${s} first.`,
      ],
    };
  if (f.freshCopy && f.sameSystem)
    return {
      steps: [],
      notes: [
        `${s} holds a copy of ${p} that has not been started yet (backup_label present): configure it as a standby and start it.`,
      ],
    };
  refuseUnsafe(f, req);
  const steps: ExecStep[] = [];
  const notes: string[] = [];
  if (f.stagingExists)
    steps.push(
      commandStep(
        s,
        `Remove ${stagingDirOf(f.standby)}, left by an interrupted base backup`,
        ['rm', '-rf', '--', stagingDirOf(f.standby)],
        300_000,
        extra,
      ),
    );
  if (req.method === 'pg_basebackup') {
    if (!f.pgBasebackup)
      throw new PlanRefusal(
        s,
        `${s} has no pg_basebackup for PostgreSQL ${f.primaryCaps.major} or newer (older ones refuse newer servers): install postgresql-client-${f.primaryCaps.major} there, or use method lab`,
      );
    steps.push(pgBasebackupStep(f, req.replicationUser, extra));
  } else {
    steps.push(...labSteps(f, extra));
  }
  steps.push(...stopAndSwapSteps(f, now, extra));
  steps.push(
    customStep(
      {
        node: s,
        kind: 'check',
        title: `Check that ${s}'s data directory is the new copy of ${p}`,
        runs: [{ node: s, argv: ['cat', '--', `${f.standby.postgres.dataDir}/backup_label`] }],
        ...extra,
      },
      async (rt) => {
        const label = (
          await rt.session(s).transport.readFile(`${f.standby.postgres.dataDir}/backup_label`)
        ).toString('utf8');
        return ok(label.trim());
      },
    ),
  );
  notes.push(
    `${s}'s old data directory is kept as ${asideDirOf(f.standby, now)}: walboard never deletes it; remove it yourself once ${s} runs as a standby.`,
    `${s} stays stopped with the new copy: configure it as a standby (configure-standby) before starting it, or it would start as a second primary.`,
  );
  if (f.standby.postgres.configFile)
    notes.push(
      `${s}'s configuration outside the data directory (${f.standby.postgres.configFile}) is kept as it is.`,
    );
  else
    notes.push(
      `${s}'s postgresql.conf lives in its data directory: the copy brings ${p}'s; configure-standby adapts port and listen_addresses.`,
    );
  return { steps, notes };
}

export const baseBackupOperation = defineOperation({
  type: 'base-backup',
  gather: (req: OperationRequestOf<'base-backup'>, reader, opts) => readBackupFacts(req, reader, opts),
  plan: (req, facts, env) => {
    const { steps, notes } = planBaseBackup(facts, req.params, env.now);
    return builtPlan(
      req,
      env,
      { steps, notes },
      {
        destructive: true,
        nextAction: `${req.node} keeps its old data directory where it was unless the swap ran: check the step that stopped, then plan base-backup again.`,
      },
    );
  },
});
