import type { NodeConfig } from '@walboard/shared/config';
import type { OperationRequestOf, PlanPhase, PlanStep } from '@walboard/shared/operations';
import { hbaAddress, peerAddress } from '../../nodes/node-address.ts';
import type { NodeSession } from '../../nodes/node-session.ts';
import { type Capabilities, capabilitiesFor } from '../../postgres/capabilities.ts';
import { buildConninfo, parseConninfo } from '../../postgres/conninfo.ts';
import { replicationAccess, withHbaLine } from '../../postgres/hba-file.ts';
import { lsnToBigInt } from '../../postgres/lsn.ts';
import { type PgCtlTarget, pgCtlArgv } from '../../postgres/pg-ctl.ts';
import { pgpassPassword } from '../../postgres/pgpass.ts';
import { lsnText } from '../../postgres/replication-sql.ts';
import { effectiveValue, parseConfigFile } from '../../postgres/settings-file.ts';
import { standbyConfigFor } from '../../postgres/standby-settings.ts';
import type { ClusterReader } from '../cluster-reader.ts';
import { autoConfPath, postgresqlConfPath, recoveryConfPath, standbySignalPath } from '../config-paths.ts';
import { builtPlan, defineOperation } from '../operation-module.ts';
import { pgpassEntryStep } from '../pgpass-steps.ts';
import { type ExecStep, type FileSnapshot, PlanRefusal, type StepRuntime } from '../plan-types.ts';
import { formatBytes, pgpassOf, triggerFileOf } from '../replication-common.ts';
import {
  configFileStep,
  customStep,
  fail,
  ok,
  ROLE_PROBE_SQL,
  sqlStep,
  textFileStep,
  waitFor,
  withTimeout,
} from '../step-builders.ts';
import { ownSettings } from './configure-standby.ts';
import { parseControlData } from './preflight.ts';

/**
 * switchover: a planned role swap that loses no committed transaction. The primary is stopped
 * with a fast shutdown (it sends all its WAL to connected standbys before it exits); the standby
 * is promoted only once it is shown to have received and replayed the old primary's shutdown
 * checkpoint — otherwise the old primary is started again and nothing is promoted. The old
 * primary then rejoins as a standby of the new one without a rewind (its WAL ends at that
 * checkpoint, which is exactly where the new timeline forks), and the other standbys of the old
 * primary are repointed. Everything that does not need the old primary stopped is done before
 * the stop, so the write outage is the shutdown, one check and the promotion.
 */

/** A standby further behind than this would make the outage wait for its catch-up: refused. */
export const MAX_LAG_BYTES = 16 * 1024 * 1024;
const PROBE_MS = 1500;
/** Polls during the outage: short, because every interval adds to the time writes are refused. */
const POLL_MS = 20;
const VERIFY_MS = 10_000;
const STREAM_WAIT_MS = 30_000;
const SSH_MS = 15_000;
const CKPT_KEY = 'switchover-shutdown-checkpoint';

export interface SwitchoverPeer {
  config: NodeConfig;
  state: 'writable' | 'standby' | 'down' | 'unreachable';
  versionNum: number | null;
  lsn: string | null;
  why: string | null;
  /** Standbys: where they stream from now. */
  upstream: { host: string; port: number } | null;
}

/** A node whose standby settings the switchover rewrites (the old primary, the other standbys). */
export interface RewiredNode {
  config: NodeConfig;
  caps: Capabilities;
  passfilePath: string;
  pgpass: FileSnapshot | null;
  auto: FileSnapshot | null;
  recoveryConf: FileSnapshot | null;
  conf: FileSnapshot | null;
  confPath: string;
  confInDataDir: boolean;
  archiveDirExists: boolean;
  archiveCleanup: string | null;
  /** Only for the old primary: pg_controldata at its major version (null when none is installed). */
  controldata: string | null;
}

export interface SwitchoverFacts {
  standby: NodeConfig;
  /** null when the node did not answer. */
  caps: Capabilities | null;
  queryError: string | null;
  inRecovery: boolean | null;
  upstream: { host: string; port: number; status: string; user: string | null } | null;
  receivedLsn: string | null;
  replayedLsn: string | null;
  peers: SwitchoverPeer[];
  /** Read only when the old primary answered: what its rejoin rewrites. */
  old: RewiredNode | null;
  /** The standby (new primary)'s pg_hba.conf: it was copied from the old primary. */
  hbaPath: string | null;
  hba: FileSnapshot | null;
  /** The standby's password file: the role's password for the old primary is there. */
  standbyPgpass: FileSnapshot | null;
  standbyPassfilePath: string | null;
  /** Standbys of the old primary besides this one (reachable, streaming from it). */
  followers: RewiredNode[];
}

async function probe(s: NodeSession, reader: ClusterReader): Promise<SwitchoverPeer> {
  const ask = () =>
    s
      .query<{ r: boolean; v: string; lsn: string | null }>(ROLE_PROBE_SQL)
      .then((rows) => rows[0] ?? new Error('no row'))
      .catch((err: Error) => err);
  // A pooled connection that died with the link (the node came back since) fails once; the pool
  // has dropped it, so a second try on a fresh connection tells whether the node answers now.
  const q = ask().then((r) => (r instanceof Error ? ask() : r));
  const r = await withTimeout(q, PROBE_MS);
  const base = { config: s.config, versionNum: null, lsn: null, upstream: null };
  if (r === 'timeout') return { ...base, state: 'unreachable', why: `no answer within ${PROBE_MS} ms` };
  if (r instanceof Error)
    return {
      ...base,
      state: s.transport.isUp() && !/timeout|reach/i.test(r.message) ? 'down' : 'unreachable',
      why: r.message,
    };
  const up = r.r ? await reader.upstream(s.name).catch(() => null) : null;
  return {
    config: s.config,
    state: r.r ? 'standby' : 'writable',
    versionNum: Number(r.v),
    lsn: r.lsn,
    why: null,
    upstream: up ? { host: up.host, port: up.port } : null,
  };
}

async function readRewired(
  reader: ClusterReader,
  config: NodeConfig,
  caps: Capabilities,
  withControldata: boolean,
): Promise<RewiredNode> {
  const n = config.name;
  const dataDir = config.postgres.dataDir.replace(/\/+$/, '');
  const confPath = postgresqlConfPath(config);
  const home = await reader.home(n);
  const [pgpass, auto, recoveryConf, conf, archiveType, tools] = await Promise.all([
    reader.file(n, pgpassOf(config, home)),
    reader.file(n, autoConfPath(config)),
    caps.standbyConfig === 'recovery.conf' ? reader.file(n, recoveryConfPath(config)) : Promise.resolve(null),
    reader.file(n, confPath),
    config.archiveDir ? reader.pathType(n, config.archiveDir) : Promise.resolve(null),
    reader.tools(n, Number(caps.major)),
  ]);
  return {
    config,
    caps,
    passfilePath: pgpassOf(config, home),
    pgpass,
    auto,
    recoveryConf,
    conf,
    confPath,
    confInDataDir: confPath.startsWith(`${dataDir}/`),
    archiveDirExists: archiveType === 'dir',
    archiveCleanup: tools.pg_archivecleanup,
    controldata: withControldata ? tools.pg_controldata : null,
  };
}

const samePlace = (c: NodeConfig, host: string | undefined, port: number | undefined) =>
  host !== undefined && peerAddress(c) === host && c.postgres.port === port;

export async function readSwitchoverFacts(
  req: OperationRequestOf<'switchover'>,
  reader: ClusterReader,
): Promise<SwitchoverFacts> {
  const s = reader.session(req.node);
  const others = reader.nodeNames().filter((n) => n !== req.node);
  // Every node at once, each at most PROBE_MS: an isolated old primary must not stall the plan.
  const [self, ...peers] = await Promise.all([
    (async () => {
      const ask = () =>
        s
          .query<{ v: string; r: boolean }>(
            "SELECT current_setting('server_version_num') AS v, pg_is_in_recovery() AS r",
          )
          .then((rows) => rows[0] ?? new Error('no row'))
          .catch((err: Error) => err);
      const first = await ask();
      return first instanceof Error ? ask() : first;
    })(),
    ...others.map((n) => probe(reader.session(n), reader)),
  ]);
  const empty: SwitchoverFacts = {
    standby: s.config,
    caps: null,
    queryError: null,
    inRecovery: null,
    upstream: null,
    receivedLsn: null,
    replayedLsn: null,
    peers,
    old: null,
    hbaPath: null,
    hba: null,
    standbyPgpass: null,
    standbyPassfilePath: null,
    followers: [],
  };
  if (self instanceof Error) return { ...empty, queryError: self.message };
  const caps = capabilitiesFor(Number(self.v));
  if (!self.r) return { ...empty, caps, inRecovery: false };
  const cols = caps.walReceiver?.hasSenderHost
    ? 'sender_host AS host, sender_port AS port'
    : 'NULL::text AS host, NULL::int AS port';
  // Side by side: every round trip here is time between the request and the first step.
  const [[row], rcvRows, home] = await Promise.all([
    reader.query<{ received: string | null; replayed: string | null; hba: string }>(
      req.node,
      `SELECT ${lsnText(caps, `${caps.fn.receiveLsn}()`)} AS received, ${lsnText(caps, `${caps.fn.replayLsn}()`)} AS replayed, current_setting('hba_file') AS hba`,
    ),
    caps.walReceiver
      ? reader.query<{ status: string; host: string | null; port: number | null; conninfo: string | null }>(
          req.node,
          `SELECT status, ${cols}, conninfo FROM pg_stat_wal_receiver`,
        )
      : Promise.resolve([]),
    reader.home(req.node),
  ]);
  const rcv = rcvRows[0];
  let upstream: SwitchoverFacts['upstream'] = null;
  if (rcv) {
    let ci = new Map<string, string>();
    try {
      ci = parseConninfo(rcv.conninfo ?? '');
    } catch {
      // A conninfo walboard cannot parse: the user falls back to the default below.
    }
    const host = rcv.host ?? ci.get('host') ?? null;
    if (host)
      upstream = {
        host,
        port: rcv.port ?? Number(ci.get('port') ?? 5432),
        status: rcv.status,
        user: ci.get('user') ?? null,
      };
  }
  const oldPeer = peers.find((p) => samePlace(p.config, upstream?.host, upstream?.port));
  const hbaPath = row?.hba ?? `${s.config.postgres.dataDir}/pg_hba.conf`;
  const [hba, standbyPgpass] = await Promise.all([
    reader.file(req.node, hbaPath),
    reader.file(req.node, pgpassOf(s.config, home)),
  ]);
  const answering = oldPeer?.state === 'writable' && oldPeer.versionNum !== null;
  const [old, ...followers] = await Promise.all([
    answering && oldPeer ? readRewired(reader, oldPeer.config, caps, true) : Promise.resolve(null),
    ...peers
      .filter(
        (p) =>
          oldPeer &&
          p.state === 'standby' &&
          p.versionNum !== null &&
          p.upstream &&
          samePlace(oldPeer.config, p.upstream.host, p.upstream.port),
      )
      .map((p) => readRewired(reader, p.config, capabilitiesFor(p.versionNum as number), false)),
  ]);
  return {
    ...empty,
    caps,
    inRecovery: true,
    upstream,
    receivedLsn: row?.received ?? null,
    replayedLsn: row?.replayed ?? null,
    old,
    hbaPath,
    hba,
    standbyPgpass,
    standbyPassfilePath: pgpassOf(s.config, home),
    followers,
  };
}

const bytesBetween = (ahead: string | null, behind: string | null): bigint | null =>
  ahead && behind ? lsnToBigInt(ahead) - lsnToBigInt(behind) : null;

const target = (c: NodeConfig): PgCtlTarget => ({
  binDir: c.postgres.binDir,
  dataDir: c.postgres.dataDir,
  logFile: c.postgres.logFile,
  configFile: c.postgres.configFile,
});

export const SWITCHOVER_PHASES = [
  'prepare',
  'stop-writes',
  'verify',
  'promote',
  'rejoin',
  'repoint',
] as const;
type Phase = (typeof SWITCHOVER_PHASES)[number];

const inPhase = (phase: Phase, critical = false): Partial<PlanStep> => ({
  phase,
  ...(critical ? { critical: true } : {}),
});

/** Runs argv on the node within SSH_MS; a cut link or a timeout becomes a failed result, never a throw. */
async function execOn(rt: StepRuntime, node: string, argv: string[], timeoutMs = SSH_MS) {
  try {
    const r = await rt.session(node).transport.exec(argv, { timeoutMs });
    return {
      ok: r.code === 0,
      out: `${r.stdout}${r.stderr}`.trim(),
      code: r.code,
      error: null as string | null,
    };
  } catch (err) {
    return { ok: false, out: '', code: null, error: (err as Error).message };
  }
}

function streamingSql(caps: Capabilities): string {
  return caps.walReceiver?.hasSenderHost
    ? 'SELECT pg_is_in_recovery() AS r, (SELECT status FROM pg_stat_wal_receiver) AS status, (SELECT sender_host FROM pg_stat_wal_receiver) AS host, (SELECT sender_port FROM pg_stat_wal_receiver) AS port, NULL::text AS conninfo'
    : 'SELECT pg_is_in_recovery() AS r, (SELECT status FROM pg_stat_wal_receiver) AS status, NULL::text AS host, NULL::int AS port, (SELECT conninfo FROM pg_stat_wal_receiver) AS conninfo';
}

/** Polls `node` until it is in recovery and streams from `primary`; the last state seen otherwise. */
async function waitStreaming(
  rt: StepRuntime,
  node: RewiredNode,
  primary: NodeConfig,
  everyMs: number,
): Promise<{ ok: boolean; seen: string; ms: number }> {
  const started = Date.now();
  let seen = 'no answer yet';
  const sql = streamingSql(node.caps);
  const s = rt.session(node.config.name);
  const got = await waitFor(
    async () => {
      const r = (
        await s.query<{
          r: boolean;
          status: string | null;
          host: string | null;
          port: number | null;
          conninfo: string | null;
        }>(sql)
      )[0];
      if (!r) return null;
      let host = r.host;
      let port = r.port;
      if (!host && r.conninfo) {
        const ci = parseConninfo(r.conninfo);
        host = ci.get('host') ?? null;
        port = Number(ci.get('port') ?? 5432);
      }
      seen = `in recovery: ${r.r}, wal receiver: ${r.status ?? 'none'}${host ? ` from ${host}:${port}` : ''}`;
      return r.r &&
        r.status === 'streaming' &&
        host === peerAddress(primary) &&
        port === primary.postgres.port
        ? true
        : null;
    },
    STREAM_WAIT_MS,
    everyMs,
    rt.signal,
  );
  return { ok: got === true, seen, ms: Date.now() - started };
}

function pgpassStep(
  node: RewiredNode,
  newPrimary: NodeConfig,
  source: { node: string; path: string; key: { host: string; port: number } },
  user: string,
  now: Date,
): ExecStep | null {
  const key = {
    host: peerAddress(newPrimary),
    port: newPrimary.postgres.port,
    database: 'replication',
    user,
  };
  if (pgpassPassword(node.pgpass?.text ?? null, key) !== null) return null;
  const n = node.config.name;
  const path = node.passfilePath;
  return pgpassEntryStep({
    node: n,
    path,
    current: node.pgpass,
    key,
    now,
    title: `Give ${n} the password of ${user} for ${newPrimary.name} in ${path} (mode 0600)`,
    detail: `The same role's password ${source.node} already uses (${source.path}, line for ${source.key.host}:${source.key.port}): the role was copied with the data. Passwords are shown as ********.`,
    extra: { phase: 'prepare' },
    password: async (rt) => {
      let srcText: string | null;
      try {
        srcText = (await rt.session(source.node).transport.readFile(source.path)).toString('utf8');
      } catch (err) {
        return fail(`cannot read ${source.path} on ${source.node}: ${(err as Error).message}`);
      }
      const password = pgpassPassword(srcText, { ...source.key, database: 'replication', user });
      if (password === null)
        return fail(
          `${source.path} on ${source.node} holds no password for ${user}@${source.key.host}:${source.key.port} any more: run configure-primary again`,
        );
      return password;
    },
  });
}

/** primary_conninfo (+ restore_command where an archive directory exists) pointing at `primary`. */
function standbyValues(
  node: RewiredNode,
  primary: NodeConfig,
  user: string,
  slot?: string,
): Record<string, string> {
  const archiveDir = node.config.archiveDir && node.archiveDirExists ? node.config.archiveDir : null;
  const v = standbyConfigFor(node.caps, {
    primaryHost: peerAddress(primary),
    primaryPort: primary.postgres.port,
    user,
    applicationName: node.config.name,
    passfile: node.config.postgres.passfile,
    slot,
    archiveDir: archiveDir ?? '/',
    archiveCleanupBin: archiveDir ? node.archiveCleanup : null,
    triggerFile: triggerFileOf(node.config),
  }).values;
  // No archive directory of its own: streaming only.
  if (!archiveDir) delete v.restore_command;
  return v;
}

const changes = (file: FileSnapshot | null, values: Record<string, string>) => {
  const parsed = file ? parseConfigFile(file.text) : null;
  return Object.entries(values).some(([k, v]) => !parsed || effectiveValue(parsed, k) !== v);
};

const AUTO_CONF_HEADER =
  '# Do not edit this file manually!\n# It will be overwritten by the ALTER SYSTEM command.\n';

export interface SwitchoverPlan {
  steps: ExecStep[];
  notes: string[];
  phases: PlanPhase[];
}

/** Phase 1, pure: every refusal from the facts, then the steps of phases 2–6. */
export function planSwitchover(f: SwitchoverFacts, now: Date): SwitchoverPlan {
  const n = f.standby.name;
  const notes: string[] = [];
  if (!f.caps || f.queryError !== null)
    throw new PlanRefusal(
      n,
      `${n} does not answer walboard's queries (${f.queryError ?? 'unknown version'}): a switchover needs a running standby; start ${n} first`,
    );
  const caps = f.caps;
  if (f.inRecovery === false)
    throw new PlanRefusal(
      n,
      `${n} is not in recovery: it is a primary already; choose the standby that should become the primary`,
    );
  if (!f.upstream)
    throw new PlanRefusal(
      n,
      `${n} does not stream from any primary (no WAL receiver): a switchover needs a standby streaming from the current primary; start it or run configure-standby, then plan again`,
    );
  const up = f.upstream;
  const oldPeer = f.peers.find((p) => samePlace(p.config, up.host, up.port));
  if (!oldPeer)
    throw new PlanRefusal(
      n,
      `${n} streams from ${up.host}:${up.port}, which is not a node of this cluster: add it to walboard.yaml, or switch over only between nodes walboard manages`,
    );
  const o = oldPeer.config.name;
  if (oldPeer.state === 'unreachable')
    throw new PlanRefusal(
      o,
      `${o} (the primary ${n} streams from) cannot be reached from walboard (${oldPeer.why}): a switchover must stop it cleanly and read its shutdown checkpoint. Nothing was changed: ${o} is still the primary and ${n} a standby. Restore the network to ${o} and plan again; if ${o} is lost for good, use promote on ${n} instead (fence confirmed-down, after making sure no client reaches ${o})`,
    );
  if (oldPeer.state === 'down')
    throw new PlanRefusal(
      o,
      `${o} (the primary ${n} streams from) does not accept connections (${oldPeer.why}): there are no writes to hand over; start ${o} and plan again, or use promote on ${n}`,
    );
  if (oldPeer.state === 'standby')
    throw new PlanRefusal(
      o,
      `${n} streams from ${o}, which is itself a standby (cascading): a switchover swaps a primary with one of its direct standbys; choose a standby of the primary`,
    );
  if (oldPeer.versionNum !== null && capabilitiesFor(oldPeer.versionNum).major !== caps.major)
    throw new PlanRefusal(
      n,
      `${n} runs PostgreSQL ${caps.major} but ${o} runs ${capabilitiesFor(oldPeer.versionNum).major}: physical replication needs one major version`,
    );
  if (up.status !== 'streaming')
    throw new PlanRefusal(
      n,
      `${n}'s WAL receiver is "${up.status}", not streaming: wait until it streams from ${o} (see its log), then plan again`,
    );
  const behind = bytesBetween(oldPeer.lsn, f.receivedLsn);
  if (behind === null || behind > BigInt(MAX_LAG_BYTES))
    throw new PlanRefusal(
      n,
      behind === null
        ? `cannot tell how far ${n} is behind ${o} (positions unknown): plan again in a moment`
        : `${n} has not received ${formatBytes(Number(behind))} of WAL ${o} wrote (more than ${formatBytes(MAX_LAG_BYTES)}): writes would stay stopped while it catches up; wait until the lag is small, then plan again`,
    );
  const unreplayed = bytesBetween(f.receivedLsn, f.replayedLsn);
  if (unreplayed === null || unreplayed > BigInt(MAX_LAG_BYTES))
    throw new PlanRefusal(
      n,
      `${n} has ${unreplayed === null ? 'an unknown amount of' : formatBytes(Number(unreplayed))} WAL received but not replayed: wait until replay catches up (is replay paused?), then plan again`,
    );
  const old = f.old;
  if (!old) throw new PlanRefusal(o, `${o}'s files could not be read: check the link to it and plan again`);
  if (!old.controldata)
    throw new PlanRefusal(
      o,
      `${o} has no pg_controldata for PostgreSQL ${caps.major}: walboard reads the shutdown checkpoint with it; install the server package's client programs`,
    );
  if (!f.hba || !f.hbaPath)
    throw new PlanRefusal(n, `${f.hbaPath ?? 'pg_hba.conf'} (the server's hba_file) cannot be read on ${n}`);
  const user = up.user ?? 'replicator';
  const standbyKey = { host: peerAddress(old.config), port: old.config.postgres.port };
  if (
    pgpassPassword(f.standbyPgpass?.text ?? null, { ...standbyKey, database: 'replication', user }) ===
      null &&
    pgpassPassword(old.pgpass?.text ?? null, {
      host: peerAddress(f.standby),
      port: f.standby.postgres.port,
      database: 'replication',
      user,
    }) === null
  )
    throw new PlanRefusal(
      n,
      `no password of ${user} is known on ${n} (${f.standbyPassfilePath}) for ${o}, nor on ${o} for ${n}: ${o} could not log in to ${n} after the switchover; run configure-primary on ${o} with ${n} listed, then plan again`,
    );

  const steps: ExecStep[] = [];
  const np = f.standby;
  const npAddr = peerAddress(np);
  const oldAddr = peerAddress(old.config);

  // ---- prepare: everything that does not need the old primary stopped.
  let hbaText = f.hba.text;
  const hbaAdded: string[] = [];
  for (const r of [old, ...f.followers]) {
    const addr = peerAddress(r.config);
    const access = replicationAccess(hbaText, user, addr);
    if (access.allowed) continue;
    if (access.sure && access.rule?.method === 'reject')
      throw new PlanRefusal(
        n,
        `${f.hbaPath} line ${access.rule.line} on ${n} rejects replication connections of ${user} from ${r.config.name} (${addr}): after the switchover ${r.config.name} could not stream from ${n}; remove or narrow that line, then plan again`,
      );
    const next = withHbaLine(
      hbaText,
      `host replication ${user} ${hbaAddress(addr)} ${caps.passwordAuth}`,
      `walboard switchover: ${r.config.name} streams from ${n}`,
      user,
      addr,
    );
    hbaText = next.text;
    if (next.changed) hbaAdded.push(r.config.name);
  }
  if (hbaAdded.length > 0) {
    steps.push(
      textFileStep(
        n,
        f.hbaPath,
        f.hba,
        hbaText,
        now,
        `Let ${hbaAdded.join(', ')} connect to ${n} for replication in ${f.hbaPath}`,
        { extra: inPhase('prepare') },
      ),
      sqlStep(
        n,
        `Reload ${n}'s configuration (pg_hba.conf)`,
        'SELECT pg_reload_conf()',
        [],
        inPhase('prepare'),
      ),
    );
  } else
    notes.push(
      `${f.hbaPath} on ${n} already lets ${[old, ...f.followers].map((r) => r.config.name).join(', ')} replicate.`,
    );

  const oldPgpass = pgpassStep(
    old,
    np,
    { node: n, path: f.standbyPassfilePath ?? '', key: standbyKey },
    user,
    now,
  );
  if (oldPgpass) steps.push(oldPgpass);
  const oldValues = standbyValues(old, np, user);
  if (!old.config.archiveDir || !old.archiveDirExists)
    notes.push(
      `${o} has no archive directory of its own: as a standby it streams only (no restore_command), so ${n} must keep the WAL it needs.`,
    );
  const own = ownSettings({
    conf: old.conf,
    caps,
    confInDataDir: old.confInDataDir,
    standby: old.config,
    primaryAddress: npAddr,
  });
  // hot_standby only: the port and listen_addresses in the old primary's own file are its own.
  const ownHot: Record<string, string> = own.hot_standby ? { hot_standby: own.hot_standby } : {};
  if (Object.keys(ownHot).length > 0 && old.conf)
    steps.push(configFileStep(o, old.confPath, old.conf, ownHot, now, { extra: inPhase('prepare') }));
  // 12+: the settings are inert on a primary until standby.signal exists, so they are written
  // now; ≤ 11 recovery.conf itself makes a standby and is written only once the server is down.
  const rejoinSteps: ExecStep[] = [];
  if (caps.standbyConfig === 'standby.signal') {
    if (changes(old.auto, oldValues))
      steps.push(
        configFileStep(o, autoConfPath(old.config), old.auto, oldValues, now, {
          newFileText: AUTO_CONF_HEADER,
          title: `Set ${Object.keys(oldValues).join(', ')} in ${autoConfPath(old.config)}: ${o} will follow ${n} (inert until standby.signal exists)`,
          extra: inPhase('prepare'),
        }),
      );
    rejoinSteps.push(
      textFileStep(
        o,
        standbySignalPath(old.config),
        null,
        '',
        now,
        `Create ${standbySignalPath(old.config)}: ${o} starts as a standby`,
        {
          extra: inPhase('rejoin'),
        },
      ),
    );
  } else {
    rejoinSteps.push(
      configFileStep(o, recoveryConfPath(old.config), old.recoveryConf, oldValues, now, {
        newFileText: `# Written by walboard: ${o} is a standby of ${n}.\n`,
        title: `Write ${recoveryConfPath(old.config)}: ${o} starts as a standby of ${n}`,
        extra: inPhase('rejoin'),
      }),
    );
  }

  const repointSteps: ExecStep[] = [];
  for (const fl of f.followers) {
    const fn = fl.config.name;
    const pg = pgpassStep(
      fl,
      np,
      { node: fn, path: fl.passfilePath, key: { host: oldAddr, port: old.config.postgres.port } },
      user,
      now,
    );
    if (pg) steps.push(pg);
    const file = fl.caps.standbyConfig === 'recovery.conf' ? fl.recoveryConf : fl.auto;
    const path =
      fl.caps.standbyConfig === 'recovery.conf' ? recoveryConfPath(fl.config) : autoConfPath(fl.config);
    const parsed = file ? parseConfigFile(file.text) : null;
    const slot = parsed ? effectiveValue(parsed, 'primary_slot_name') : undefined;
    const values: Record<string, string> = {
      primary_conninfo: buildConninfo([
        ['host', npAddr],
        ['port', np.postgres.port],
        ['user', user],
        ['application_name', fn],
        ['passfile', fl.config.postgres.passfile],
      ]),
      recovery_target_timeline: 'latest',
    };
    // A slot on the old primary does not exist on the new one: streaming would be refused.
    if (slot) {
      values.primary_slot_name = '';
      notes.push(
        `${fn} used slot ${slot} on ${o}: it streams from ${n} without a slot (create one with create-slot if you want it).`,
      );
    }
    // Not read by a running standby until the reload (13+) or restart below, after the promotion.
    steps.push(
      configFileStep(fn, path, file, values, now, {
        newFileText: AUTO_CONF_HEADER,
        title: `Point ${fn} at ${n} in ${path} (read after the promotion)`,
        extra: inPhase('prepare'),
      }),
    );
    repointSteps.push(repointStep(fl, np));
  }
  const skipped = f.peers.filter(
    (p) => p.config.name !== o && !f.followers.some((x) => x.config.name === p.config.name),
  );
  for (const p of skipped)
    notes.push(
      `${p.config.name} is left alone (${p.state === 'standby' ? `streams from ${p.upstream ? `${p.upstream.host}:${p.upstream.port}` : 'nowhere'}` : p.state}${p.why ? `: ${p.why}` : ''}); point it at ${n} with follow once it is back.`,
    );
  steps.push(
    sqlStep(
      o,
      `Checkpoint on ${o} now, so that its shutdown checkpoint has little left to write`,
      'CHECKPOINT',
      [],
      inPhase('prepare'),
    ),
  );

  steps.push(stopStep(f, old));
  steps.push(verifyStep(f, old));
  steps.push(promoteStep(f, caps));
  steps.push(...rejoinSteps, startRejoinedStep(old, np));
  steps.push(...repointSteps);
  notes.push(
    `Writes stop when ${o} shuts down and resume once ${n} is promoted; clients must reconnect to ${n} (a host list with target_session_attrs=read-write finds it).`,
    `If ${n} cannot be shown to hold ${o}'s shutdown checkpoint, nothing is promoted and ${o} is started again as the primary.`,
    // Streaming carries every commit; archiving is a separate path this swap does not rebuild.
    `WAL archiving is not changed: ${n} keeps the archive_command it was copied with from ${o}. Run ship-wal on ${n} for its standbys (${[o, ...f.followers.map((x) => x.config.name)].join(', ')}) afterwards so that it ships WAL to their archive directories.`,
  );
  const phases: PlanPhase[] = SWITCHOVER_PHASES.filter((p) => steps.some((s) => s.shown.phase === p)).map(
    (id) => ({
      id,
      type: 'switchover',
      node: phaseNode(id, n, o),
      title: PHASE_TITLES[id](n, o),
      final: true,
    }),
  );
  return { steps, notes, phases };
}

const PHASE_TITLES: Record<Phase, (n: string, o: string) => string> = {
  prepare: (_n, o) => `Prepare while ${o} still takes writes`,
  'stop-writes': (_n, o) => `Stop writes: fast shutdown of ${o}`,
  verify: (n, o) => `Check that ${n} holds ${o}'s shutdown checkpoint`,
  promote: (n) => `Promote ${n}`,
  rejoin: (n, o) => `${o} rejoins as a standby of ${n}`,
  repoint: (n) => `Other standbys follow ${n}`,
};

function phaseNode(id: Phase, n: string, o: string): string {
  return id === 'prepare' || id === 'stop-writes' || id === 'rejoin' ? o : n;
}

function stopStep(f: SwitchoverFacts, old: RewiredNode): ExecStep {
  const o = old.config.name;
  const n = f.standby.name;
  const t = target(old.config);
  // -W after pg_ctlArgv's -w: pg_ctl takes the last, and walboard polls every 20 ms instead of its 100 ms.
  const stop = pgCtlArgv(t, 'stop', ['-m', 'fast', '-W']);
  const pidFile = `${old.config.postgres.dataDir.replace(/\/+$/, '')}/postmaster.pid`;
  const control = [old.controldata as string, '-D', old.config.postgres.dataDir];
  const unknown = `Nothing was promoted: ${n} is still a standby. Find out whether ${o} still runs (pg_ctl status on its host): if it runs, it is still the primary; if it stopped, start it (operation start on ${o}). Then plan the switchover again.`;
  return customStep(
    {
      node: o,
      kind: 'command',
      title: `Stop ${o} (fast shutdown) and read its shutdown checkpoint`,
      argv: stop,
      runs: [
        { node: o, argv: stop },
        { node: o, argv: ['test', '-e', pidFile] },
        { node: o, argv: control },
      ],
      detail: `A fast shutdown ends every session, writes a shutdown checkpoint and sends all WAL to connected standbys before the server exits. walboard checks every ${POLL_MS} ms that ${pidFile} is gone, then reads "Latest checkpoint location" with pg_controldata.`,
      ...inPhase('stop-writes', true),
    },
    async (rt) => {
      const r = await execOn(rt, o, stop);
      if (!r.ok)
        return fail(
          r.error
            ? `cannot reach ${o} to stop it (${r.error}). ${unknown}`
            : `pg_ctl stop on ${o} exited with ${r.code}: ${r.out}. ${unknown}`,
          r.out,
        );
      const tr = rt.session(o).transport;
      const deadline = Date.now() + 60_000;
      for (;;) {
        // Each look at most 5 s: a host cut off mid-shutdown must end in a clear failure, not a hang.
        const st = await withTimeout(tr.stat(pidFile), 5000).catch((err: Error) => err);
        if (st === null) break;
        if (st === 'timeout' || st instanceof Error)
          return fail(
            `walboard lost the link to ${o} while it shut down (${st === 'timeout' ? 'no answer within 5 s' : st.message}): whether it stopped is unknown. ${unknown}`,
          );
        if (Date.now() > deadline) return fail(`${o} did not finish its shutdown within 60 s. ${unknown}`);
        await new Promise((r) => setTimeout(r, POLL_MS));
      }
      const c = await execOn(rt, o, control);
      const data = parseControlData(c.out);
      const ckpt = data['Latest checkpoint location'];
      const state = data['Database cluster state'];
      if (!c.ok || !ckpt || state !== 'shut down') {
        const restart = await execOn(rt, o, pgCtlArgv(t, 'start'), 30_000);
        return fail(
          `${o} stopped, but its control file does not show a clean shutdown (state "${state ?? '?'}", checkpoint ${ckpt ?? 'unreadable'}${c.error ? `, ${c.error}` : ''}): nothing was promoted; ${restart.ok ? `${o} was started again and is the primary` : `starting ${o} again failed too (${restart.error ?? restart.out}): start it yourself`}`,
          c.out,
        );
      }
      rt.shared.set(CKPT_KEY, ckpt);
      return ok(
        `${r.out}\n${o} is down; ${c.out
          .split('\n')
          .filter((l) => /checkpoint location|cluster state|TimeLineID/.test(l))
          .join('\n')}`,
      );
    },
    120_000,
  );
}

function verifyStep(f: SwitchoverFacts, old: RewiredNode): ExecStep {
  const n = f.standby.name;
  const o = old.config.name;
  const caps = f.caps as Capabilities;
  const sql = `SELECT pg_is_in_recovery() AS r, ${lsnText(caps, `${caps.fn.receiveLsn}()`)} AS received, ${lsnText(caps, `${caps.fn.replayLsn}()`)} AS replayed`;
  return customStep(
    {
      node: n,
      kind: 'check',
      title: `Check that ${n} received and replayed ${o}'s shutdown checkpoint (${VERIFY_MS / 1000} s at most)`,
      runs: [{ node: n, sql }],
      detail: `Both positions must be past the checkpoint record's start: then every transaction ${o} committed is on ${n}. If not, nothing is promoted and ${o} is started again.`,
      ...inPhase('verify', true),
    },
    async (rt) => {
      const ckpt = rt.shared.get(CKPT_KEY);
      const restartOld = async (why: string) => {
        const r = await execOn(rt, o, pgCtlArgv(target(old.config), 'start'), 30_000);
        return fail(
          `${why}: ${n} was NOT promoted; ${r.ok ? `${o} was started again and is still the primary` : `starting ${o} again failed (${r.error ?? r.out}): start it yourself (operation start on ${o}); it is still the primary`}. Check ${n}'s log and its link to ${o}, then plan again.`,
        );
      };
      if (typeof ckpt !== 'string') return restartOld(`${o}'s shutdown checkpoint is unknown`);
      const want = lsnToBigInt(ckpt);
      const s = rt.session(n);
      let last: { r: boolean; received: string | null; replayed: string | null } | undefined;
      const got = await waitFor(
        async () => {
          last = (await s.query<{ r: boolean; received: string | null; replayed: string | null }>(sql))[0];
          if (!last?.r || !last.received || !last.replayed) return null;
          return lsnToBigInt(last.received) > want && lsnToBigInt(last.replayed) > want ? last : null;
        },
        VERIFY_MS,
        POLL_MS,
      );
      if (!got)
        return restartOld(
          `${n} did not show ${o}'s shutdown checkpoint ${ckpt} within ${VERIFY_MS / 1000} s (received ${last?.received ?? 'unknown'}, replayed ${last?.replayed ?? 'unknown'}${last && !last.r ? ', and it is not in recovery' : ''})`,
        );
      return ok(
        `${o}'s shutdown checkpoint: ${ckpt}; ${n} received ${got.received}, replayed ${got.replayed}`,
      );
    },
    VERIFY_MS + 100_000,
  );
}

function promoteStep(f: SwitchoverFacts, caps: Capabilities): ExecStep {
  const n = f.standby.name;
  const pgc = f.standby.postgres;
  const viaSql = caps.promoteMethods.includes('pg_promote');
  // Not waiting inside PostgreSQL (it checks every 100 ms): walboard reads pg_is_in_recovery() every 10 ms.
  const argv = [
    `${pgc.binDir}/pg_ctl`,
    'promote',
    '-D',
    pgc.dataDir,
    ...(caps.pgCtlPromoteWaits ? ['-W'] : []),
  ];
  const write = `SELECT ${caps.fn.currentXactId}()::text AS xid`;
  const tliSql = `SELECT substr(${caps.fn.walfileName}(${caps.fn.currentLsn}()), 1, 8) AS tli`;
  return customStep(
    {
      node: n,
      kind: viaSql ? 'sql' : 'command',
      title: `Promote ${n} and prove that a transaction commits on it`,
      ...(viaSql ? { sql: 'SELECT pg_promote(false)', sqlParams: [] } : { argv }),
      runs: [
        viaSql ? { node: n, sql: 'SELECT pg_promote(false)' } : { node: n, argv },
        { node: n, sql: 'SELECT pg_is_in_recovery()' },
        { node: n, sql: write },
        { node: n, sql: tliSql },
      ],
      detail:
        'pg_is_in_recovery() every 10 ms (60 s at most), then a transaction that takes a transaction id: only a writable primary can. Then the new timeline and its history file are read.',
      ...inPhase('promote', true),
    },
    async (rt) => {
      const s = rt.session(n);
      const started = Date.now();
      if (viaSql) {
        const rows = await s.query<{ p: boolean }>('SELECT pg_promote(false) AS p');
        if (!rows[0]?.p) return fail(`pg_promote(false) returned false on ${n}: see its log`);
      } else {
        const r = await execOn(rt, n, argv, 60_000);
        if (!r.ok) return fail(`pg_ctl promote on ${n} failed: ${r.error ?? r.out}`);
      }
      const left = await waitFor(
        async () =>
          (await s.query<{ r: boolean }>('SELECT pg_is_in_recovery() AS r'))[0]?.r === false ? true : null,
        60_000,
        10,
      );
      if (!left)
        return fail(
          `${n} is still in recovery 60 s after the promotion was asked: see its log. The old primary is stopped: no node takes writes until ${n} finishes or the old primary is started again`,
        );
      const xid = (await s.query<{ xid: string }>(write))[0]?.xid;
      const promotedMs = Date.now() - started;
      const tli = (await s.query<{ tli: string }>(tliSql))[0]?.tli ?? '';
      const file = `${tli}.history`;
      const history = await s.transport
        .readFile(`${pgc.dataDir}/${caps.walDir}/${file}`)
        .then((b) => b.toString('utf8'))
        .catch(() => '');
      if (tli) rt.setPromotion({ timeline: Number.parseInt(tli, 16), historyFile: file, history });
      return ok(
        `left recovery after ${promotedMs} ms; transaction ${xid} committed; timeline ${Number.parseInt(tli, 16)}`,
      );
    },
    130_000,
  );
}

function startRejoinedStep(old: RewiredNode, np: NodeConfig): ExecStep {
  const o = old.config.name;
  const n = np.name;
  // -W after pgCtlArgv's -w: pg_ctl takes the last; walboard watches the WAL receiver itself.
  const start = pgCtlArgv(target(old.config), 'start', ['-W']);
  return customStep(
    {
      node: o,
      kind: 'command',
      title: `Start ${o} as a standby and check that it streams from ${n}`,
      argv: start,
      runs: [
        { node: o, argv: start },
        { node: o, sql: streamingSql(old.caps) },
      ],
      detail: `No pg_rewind: ${o}'s WAL ends at its shutdown checkpoint, which ${n} replayed before its timeline forked. pg_stat_wal_receiver is read every 25 ms (${STREAM_WAIT_MS / 1000} s at most).`,
      ...inPhase('rejoin'),
    },
    async (rt) => {
      const r = await execOn(rt, o, start, 60_000);
      if (!r.ok)
        return fail(
          `pg_ctl start on ${o} failed (${r.error ?? r.out}): ${n} is the primary and takes writes; ${o} is stopped with standby settings. See ${old.config.postgres.logFile ?? `${o}'s log`}, then start ${o} (or run rejoin / base-backup from ${n})`,
          r.out,
        );
      const w = await waitStreaming(rt, old, np, 25);
      if (!w.ok)
        return fail(
          `${o} does not stream from ${n} after ${Math.round(w.ms / 1000)} s (${w.seen}): ${n} is the primary and takes writes. See ${o}'s log${old.config.postgres.logFile ? ` (${old.config.postgres.logFile})` : ''}; if it diverged, run rejoin (pg_rewind) or base-backup from ${n}`,
        );
      return ok(`${r.out}\n${o} streams from ${n} (${w.ms} ms after the start)`);
    },
    STREAM_WAIT_MS + 70_000,
  );
}

function repointStep(fl: RewiredNode, np: NodeConfig): ExecStep {
  const fn = fl.config.name;
  const n = np.name;
  const reload = fl.caps.standbySettingContext.primaryConninfo === 'sighup';
  const restart = pgCtlArgv(target(fl.config), 'restart', ['-m', 'fast']);
  return customStep(
    {
      node: fn,
      kind: reload ? 'sql' : 'command',
      title: reload
        ? `Reload ${fn} so that it streams from ${n}`
        : `Restart ${fn} so that it streams from ${n}`,
      ...(reload ? { sql: 'SELECT pg_reload_conf()', sqlParams: [] } : { argv: restart }),
      runs: [
        reload ? { node: fn, sql: 'SELECT pg_reload_conf()' } : { node: fn, argv: restart },
        { node: fn, sql: streamingSql(fl.caps) },
      ],
      detail: `recovery_target_timeline 'latest' lets ${fn} follow ${n}'s new timeline. pg_stat_wal_receiver is read every 50 ms (${STREAM_WAIT_MS / 1000} s at most).`,
      ...inPhase('repoint'),
    },
    async (rt) => {
      if (reload) await rt.session(fn).query('SELECT pg_reload_conf()');
      else {
        const r = await execOn(rt, fn, restart, 90_000);
        if (!r.ok) return fail(`restarting ${fn} failed (${r.error ?? r.out}): see its log`, r.out);
      }
      const w = await waitStreaming(rt, fl, np, 50);
      if (!w.ok)
        return fail(
          `${fn} does not stream from ${n} (${w.seen}): see its log; point it at ${n} with follow, or rebuild it with base-backup`,
        );
      return ok(`${fn} streams from ${n} (${w.ms} ms)`);
    },
    STREAM_WAIT_MS + 100_000,
  );
}

export const switchoverOperation = defineOperation({
  type: 'switchover',
  gather: (req: OperationRequestOf<'switchover'>, reader) => readSwitchoverFacts(req, reader),
  plan: (req, facts, env) => {
    const { steps, notes, phases } = planSwitchover(facts, env.now);
    const n = req.node;
    const o = facts.old?.config.name ?? 'the old primary';
    return builtPlan(
      req,
      env,
      { steps, notes },
      {
        destructive: true,
        shown: { phases },
        nextAction: `Read the failed step: before the promotion ${o} stays (or is started again as) the primary and ${n} a standby — plan the switchover again once the cause is fixed; after it, ${n} is the primary and ${o} is brought back with rejoin or base-backup.`,
      },
    );
  },
});
