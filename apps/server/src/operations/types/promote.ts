import type { NodeConfig } from '@walboard/shared/config';
import type { LossCheck, OperationRequestOf } from '@walboard/shared/operations';
import { peerAddress } from '../../nodes/node-address.ts';
import type { NodeSession } from '../../nodes/node-session.ts';
import { type Capabilities, capabilitiesFor } from '../../postgres/capabilities.ts';
import { lsnToBigInt } from '../../postgres/lsn.ts';
import { pgCtlArgv } from '../../postgres/pg-ctl.ts';
import { lsnText } from '../../postgres/replication-sql.ts';
import { effectiveValue, parseConfigFile } from '../../postgres/settings-file.ts';
import type { ClusterReader } from '../cluster-reader.ts';
import { recoveryConfPath } from '../config-paths.ts';
import { builtPlan, defineOperation } from '../operation-module.ts';
import { type ExecStep, PlanRefusal, type StepRuntime } from '../plan-types.ts';
import { customStep, fail, ok, ROLE_PROBE_SQL, waitFor, withTimeout } from '../step-builders.ts';
import { runCommand } from '../step-executor.ts';

/**
 * promote: a standby becomes the primary, and split brain cannot happen by accident. Every other
 * node is asked first; one that is reachable and out of recovery accepts writes, and then the
 * promotion needs a fence: walboard stops it (and waits until the standby has received what it
 * wrote last), or the user types its name to confirm it is down. Success means the node left
 * recovery AND a transaction committed on it.
 */

const PROBE_MS = 1500;

export interface OtherNode {
  config: NodeConfig;
  state: 'writable' | 'standby' | 'down' | 'unreachable';
  lsn: string | null;
  why: string | null;
}

export interface PromoteFacts {
  node: NodeConfig;
  caps: Capabilities;
  receivedLsn: string | null;
  replayedLsn: string | null;
  /** The trigger file the standby's configuration names (versions ≤ 15), null when none is set. */
  triggerFile: string | null;
  upstreamHost: string | null;
  upstreamPort: number | null;
  others: OtherNode[];
}

/** Is `s` a primary that accepts writes right now? At most PROBE_MS: a silent host is "unreachable". */
export async function probeNode(s: NodeSession): Promise<OtherNode> {
  const q = s
    .query<{ r: boolean; v: string; lsn: string | null }>(ROLE_PROBE_SQL)
    .then((rows) => rows[0])
    .catch((err: Error) => err);
  const r = await withTimeout(q, PROBE_MS);
  if (r === 'timeout')
    return { config: s.config, state: 'unreachable', lsn: null, why: `no answer within ${PROBE_MS} ms` };
  if (r instanceof Error || !r) {
    const why = r instanceof Error ? r.message : 'no row';
    return {
      config: s.config,
      state: s.transport.isUp() && !/timeout|reach/i.test(why) ? 'down' : 'unreachable',
      lsn: null,
      why,
    };
  }
  return { config: s.config, state: r.r ? 'standby' : 'writable', lsn: r.lsn, why: null };
}

export async function readPromoteFacts(
  req: OperationRequestOf<'promote'>,
  reader: ClusterReader,
): Promise<PromoteFacts> {
  const s = reader.session(req.node);
  const others = reader.nodeNames().filter((n) => n !== req.node);
  const [self, ...rest] = await Promise.all([
    s
      .query<{ v: string; r: boolean }>(
        "SELECT current_setting('server_version_num') AS v, pg_is_in_recovery() AS r",
      )
      .then((rows) => rows[0])
      .catch((err: Error) => err),
    ...others.map((n) => probeNode(reader.session(n))),
  ]);
  if (self instanceof Error || !self)
    throw new PlanRefusal(
      req.node,
      `${req.node} does not answer (${self instanceof Error ? self.message : 'no row'}): only a running standby can be promoted; start it first`,
    );
  const caps = capabilitiesFor(Number(self.v));
  if (!self.r)
    throw new PlanRefusal(
      req.node,
      `${req.node} is not in recovery: it is a primary already, there is nothing to promote`,
    );
  const trigSetting =
    caps.triggerFileSetting === 'promote_trigger_file'
      ? "current_setting('promote_trigger_file')"
      : 'NULL::text';
  const rcv = caps.walReceiver?.hasSenderHost
    ? '(SELECT sender_host FROM pg_stat_wal_receiver)'
    : 'NULL::text';
  const rcvPort = caps.walReceiver?.hasSenderHost
    ? '(SELECT sender_port FROM pg_stat_wal_receiver)'
    : 'NULL::int';
  const [row] = await reader.query<{
    received: string | null;
    replayed: string | null;
    trig: string | null;
    host: string | null;
    port: number | null;
  }>(
    req.node,
    `SELECT ${lsnText(caps, `${caps.fn.receiveLsn}()`)} AS received, ${lsnText(caps, `${caps.fn.replayLsn}()`)} AS replayed, ${trigSetting} AS trig, ${rcv} AS host, ${rcvPort} AS port`,
  );
  let triggerFile = row?.trig || null;
  if (caps.triggerFileSetting === 'trigger_file') {
    const rc = await reader.file(req.node, recoveryConfPath(s.config));
    triggerFile = rc ? (effectiveValue(parseConfigFile(rc.text), 'trigger_file') ?? null) || null : null;
  }
  return {
    node: s.config,
    caps,
    receivedLsn: row?.received ?? null,
    replayedLsn: row?.replayed ?? null,
    triggerFile,
    upstreamHost: row?.host ?? null,
    upstreamPort: row?.port ?? null,
    others: rest,
  };
}

function diff(a: string | null, b: string | null): string | null {
  if (!a || !b) return null;
  const d = lsnToBigInt(a) - lsnToBigInt(b);
  return (d < 0n ? 0n : d).toString();
}

/** The node this standby follows: the one it streams from, else the one that accepts writes. */
function oldPrimaryOf(f: PromoteFacts): OtherNode | null {
  const byStream = f.others.find(
    (o) =>
      f.upstreamHost !== null &&
      peerAddress(o.config) === f.upstreamHost &&
      o.config.postgres.port === f.upstreamPort,
  );
  return byStream ?? f.others.find((o) => o.state === 'writable') ?? null;
}

export function lossCheckOf(f: PromoteFacts): LossCheck {
  const old = oldPrimaryOf(f);
  const writable = f.others.some((o) => o.state === 'writable');
  const state: LossCheck['oldPrimaryState'] = old ? (old.state === 'standby' ? 'down' : old.state) : 'none';
  return {
    oldPrimary: old?.config.name ?? null,
    oldPrimaryState: state,
    primaryLsn: old?.lsn ?? null,
    receivedLsn: f.receivedLsn,
    replayedLsn: f.replayedLsn,
    unreceivedBytes: diff(old?.lsn ?? null, f.receivedLsn),
    unreplayedBytes: diff(f.receivedLsn, f.replayedLsn),
    fenceNeeded: writable,
  };
}

const FENCE_LSN = 'promote-fence-lsn';

function stopOldPrimaryStep(o: OtherNode): ExecStep {
  const pgc = o.config.postgres;
  const argv = pgCtlArgv({ binDir: pgc.binDir, dataDir: pgc.dataDir }, 'stop', ['-m', 'fast']);
  const n = o.config.name;
  return customStep(
    {
      node: n,
      kind: 'command',
      title: `Fence: stop ${n} (fast mode) so that it cannot accept writes any more`,
      argv,
      detail: `A fast shutdown sends the WAL it has written to its standbys before it exits. walboard notes ${n}'s last WAL position first.`,
      critical: true,
    },
    async (rt) => {
      const s = rt.session(n);
      const rows = await s.query<{ lsn: string }>('SELECT pg_current_wal_lsn()::text AS lsn').catch(() => []);
      if (rows[0]) rt.shared.set(FENCE_LSN, rows[0].lsn);
      const r = await runCommand(
        rt,
        { shown: { node: n, kind: 'command', title: '' }, timeoutMs: 90_000 },
        argv,
      );
      if (!r.ok) return r;
      const st = await s.transport.exec(pgCtlArgv({ binDir: pgc.binDir, dataDir: pgc.dataDir }, 'status'), {
        timeoutMs: 15_000,
      });
      if (st.code === 0)
        return fail(`${n} still runs after pg_ctl stop: promotion stopped here to avoid two primaries`);
      return ok(
        `${r.output}\n${n} is down (pg_ctl status exit ${st.code}); last WAL position seen: ${rows[0]?.lsn ?? 'unknown'}`,
      );
    },
    120_000,
  );
}

function waitReceivedStep(f: PromoteFacts, old: string): ExecStep {
  const n = f.node.name;
  const sql = `SELECT ${lsnText(f.caps, `${f.caps.fn.receiveLsn}()`)} AS received`;
  return customStep(
    {
      node: n,
      kind: 'check',
      title: `Wait until ${n} has received everything ${old} wrote (10 s at most)`,
      runs: [{ node: n, sql }],
      critical: true,
    },
    async (rt) => {
      const target = rt.shared.get(FENCE_LSN);
      if (typeof target !== 'string')
        return ok(`${old}'s last position is unknown: promoting with what ${n} has`);
      const s = rt.session(n);
      const got = await waitFor(
        async () => {
          const r = (await s.query<{ received: string | null }>(sql))[0]?.received ?? null;
          return r && lsnToBigInt(r) >= lsnToBigInt(target) ? r : null;
        },
        10_000,
        20,
      );
      if (got) return ok(`${n} received up to ${got} (${old} was at ${target})`);
      const last = (await s.query<{ received: string | null }>(sql))[0]?.received ?? null;
      return ok(
        `WARNING: ${n} received only up to ${last ?? 'unknown'} of ${old}'s ${target} within 10 s: ${diff(target, last) ?? '?'} bytes may be missing after the promotion`,
      );
    },
    20_000,
  );
}

function promoteStep(f: PromoteFacts, method: OperationRequestOf<'promote'>['params']['method']): ExecStep {
  const n = f.node.name;
  const pgc = f.node.postgres;
  const caps = f.caps;
  if (method === 'trigger-file') {
    if (!caps.triggerFileSetting)
      throw new PlanRefusal(
        n,
        `PostgreSQL ${caps.major} has no trigger file (promote_trigger_file was removed in 16): use method auto, pg_promote or pg_ctl`,
      );
    if (!f.triggerFile)
      throw new PlanRefusal(
        n,
        `${n}'s configuration names no trigger file (${caps.triggerFileSetting}): configure it as a standby with walboard, or use method auto`,
      );
    return customStep(
      {
        node: n,
        kind: 'command',
        title: `Create the trigger file ${f.triggerFile} on ${n}`,
        argv: ['touch', '--', f.triggerFile],
        detail:
          'PostgreSQL looks for this file when new WAL arrives, or about every 5 s when idle: the promotion can take that long.',
        critical: true,
      },
      async (rt) =>
        runCommand(rt, { shown: { node: n, kind: 'command', title: '' }, timeoutMs: 30_000 }, [
          'touch',
          '--',
          f.triggerFile as string,
        ]),
    );
  }
  if (method === 'pg_promote' || (method === 'auto' && caps.promoteMethods.includes('pg_promote'))) {
    if (!caps.promoteMethods.includes('pg_promote'))
      throw new PlanRefusal(
        n,
        `pg_promote() arrived in PostgreSQL 12; ${n} runs ${caps.major}: use method auto or pg_ctl`,
      );
    // auto asks without waiting and checks every 10 ms: pg_promote(true) itself checks only every 100 ms.
    const sql =
      method === 'auto' ? 'SELECT pg_promote(false) AS promoted' : 'SELECT pg_promote(true, 60) AS promoted';
    return customStep(
      {
        node: n,
        kind: 'sql',
        title: `Promote ${n}: ${sql.replace(' AS promoted', '')}`,
        sql,
        sqlParams: [],
        ...(method === 'auto'
          ? { detail: 'Then pg_is_in_recovery() is read every 10 ms until it is false (60 s at most).' }
          : {}),
        critical: true,
      },
      async (rt) => {
        const rows = await rt.session(n).query<{ promoted: boolean }>(sql);
        return rows[0]?.promoted ? ok('promotion requested') : fail(`${sql} returned false`);
      },
      90_000,
    );
  }
  const argv = [
    `${pgc.binDir}/pg_ctl`,
    'promote',
    '-D',
    pgc.dataDir,
    ...(method === 'auto' ? ['-W'] : ['-w', '-t', '60']),
  ];
  return customStep(
    {
      node: n,
      kind: 'command',
      title: `Promote ${n} with pg_ctl promote${method === 'auto' ? ' (not waiting: walboard checks every 10 ms)' : ''}`,
      argv,
      critical: true,
    },
    async (rt) => runCommand(rt, { shown: { node: n, kind: 'command', title: '' }, timeoutMs: 90_000 }, argv),
  );
}

/** The node left recovery and a transaction committed on it. */
function provePrimaryStep(f: PromoteFacts, method: string): ExecStep {
  const n = f.node.name;
  const write = `SELECT ${f.caps.fn.currentXactId}()::text AS xid`;
  const waitMs = method === 'trigger-file' ? 30_000 : 60_000;
  return customStep(
    {
      node: n,
      kind: 'check',
      title: `Check that ${n} left recovery and commits a transaction`,
      runs: [
        { node: n, sql: 'SELECT pg_is_in_recovery()' },
        { node: n, sql: write },
      ],
      detail: `pg_is_in_recovery() every 10 ms (${waitMs / 1000} s at most), then a transaction that takes a transaction id: only a writable primary can.`,
      critical: true,
    },
    async (rt) => {
      const s = rt.session(n);
      const started = Date.now();
      const out = await waitFor(
        async () =>
          (await s.query<{ r: boolean }>('SELECT pg_is_in_recovery() AS r'))[0]?.r === false ? true : null,
        waitMs,
        10,
      );
      if (!out) return fail(`${n} is still in recovery after ${waitMs / 1000} s: see its log`);
      const xid = (await s.query<{ xid: string }>(write))[0]?.xid;
      return ok(`left recovery after ${Date.now() - started} ms; transaction ${xid} committed`);
    },
    waitMs + 10_000,
  );
}

function timelineStep(f: PromoteFacts): ExecStep {
  const n = f.node.name;
  const sql = `SELECT substr(${f.caps.fn.walfileName}(${f.caps.fn.currentLsn}()), 1, 8) AS tli`;
  return customStep(
    {
      node: n,
      kind: 'check',
      title: `Read ${n}'s new timeline and the history file PostgreSQL wrote`,
      runs: [
        { node: n, sql },
        { node: n, argv: ['cat', '--', `${f.node.postgres.dataDir}/${f.caps.walDir}/<timeline>.history`] },
      ],
    },
    async (rt: StepRuntime) => {
      const s = rt.session(n);
      const tli = (await s.query<{ tli: string }>(sql))[0]?.tli ?? '';
      const file = `${tli}.history`;
      const history = (
        await s.transport.readFile(`${f.node.postgres.dataDir}/${f.caps.walDir}/${file}`)
      ).toString('utf8');
      rt.setPromotion({ timeline: Number.parseInt(tli, 16), historyFile: file, history });
      return ok(`timeline ${Number.parseInt(tli, 16)}\n${file}:\n${history.trim()}`);
    },
  );
}

export function planPromote(
  f: PromoteFacts,
  p: OperationRequestOf<'promote'>['params'],
): { steps: ExecStep[]; notes: string[]; lossCheck: LossCheck; refusal?: string } {
  const n = f.node.name;
  const loss = lossCheckOf(f);
  const writable = f.others.filter((o) => o.state === 'writable');
  const notes: string[] = [];
  const steps: ExecStep[] = [];
  if (writable.length > 0) {
    const names = writable.map((o) => o.config.name).join(', ');
    if (!p.fence)
      return {
        steps: [],
        notes,
        lossCheck: loss,
        refusal: `${names} ${writable.length === 1 ? 'is' : 'are'} reachable and accept${writable.length === 1 ? 's' : ''} writes: promoting ${n} now would make two primaries (split brain). Choose a fence: stop-old-primary (walboard stops ${names} first), or confirmed-down if you know ${writable.length === 1 ? 'it is' : 'they are'} cut off from every client`,
      };
    if (p.fence === 'confirmed-down') {
      const expected = loss.oldPrimary ?? writable[0]?.config.name ?? '';
      if (p.confirmDown !== expected)
        return {
          steps: [],
          notes,
          lossCheck: loss,
          refusal: `fence confirmed-down needs the old primary's name typed as confirmDown ("${expected}"), to say you checked that no client can reach it`,
        };
      notes.push(
        `You confirmed that ${names} cannot be reached by clients although walboard still reaches ${writable.length === 1 ? 'it' : 'them'}: walboard leaves ${writable.length === 1 ? 'it' : 'them'} running.`,
      );
    } else {
      for (const o of writable) steps.push(stopOldPrimaryStep(o));
      const old = writable[0]?.config.name;
      if (old) steps.push(waitReceivedStep(f, old));
    }
  } else if (loss.oldPrimary) {
    const o = f.others.find((x) => x.config.name === loss.oldPrimary);
    notes.push(
      o?.state === 'unreachable'
        ? `${loss.oldPrimary} cannot be reached from walboard (${o.why}): if clients can still reach it, stop it before promoting, or two primaries will take writes.`
        : `${loss.oldPrimary} is down: no fence is needed.`,
    );
  }
  steps.push(promoteStep(f, p.method), provePrimaryStep(f, p.method), timelineStep(f));
  if (loss.unreceivedBytes && loss.unreceivedBytes !== '0')
    notes.push(
      `${n} has not received ${loss.unreceivedBytes} bytes of WAL that ${loss.oldPrimary} wrote: unless the fence lets them arrive, those transactions are lost.`,
    );
  notes.push(
    `After the promotion ${n} starts a new timeline; other standbys must follow it (and the old primary be rejoined) before they serve again.`,
  );
  return { steps, notes, lossCheck: loss };
}

export const promoteOperation = defineOperation({
  type: 'promote',
  gather: (req: OperationRequestOf<'promote'>, reader) => readPromoteFacts(req, reader),
  plan: (req, facts, env) => {
    const { steps, notes, lossCheck, refusal } = planPromote(facts, req.params);
    return builtPlan(
      req,
      env,
      { steps, notes },
      {
        destructive: true,
        shown: { lossCheck, ...(refusal ? { refusal } : {}) },
        nextAction: `Look at ${req.node}: if it is still in recovery, plan promote again; if it left recovery, it is the primary.`,
      },
    );
  },
});
