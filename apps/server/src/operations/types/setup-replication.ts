import type { NodeConfig } from '@walboard/shared/config';
import type { OperationRequest, OperationRequestOf } from '@walboard/shared/operations';
import { operationRequestSchema } from '@walboard/shared/operations';
import { peerAddress } from '../../nodes/node-address.ts';
import { lsnToBigInt } from '../../postgres/lsn.ts';
import { pgCtlArgv } from '../../postgres/pg-ctl.ts';
import type { ClusterReader } from '../cluster-reader.ts';
import { defineOperation, type GatherOptions } from '../operation-module.ts';
import type { BuiltPlan, ExecStep, PhaseSpec } from '../plan-types.ts';
import { otherNodes, slotNameFor } from '../replication-common.ts';
import { customStep, fail, ok, pgCtlStep, waitFor } from '../step-builders.ts';
import { runCommand } from '../step-executor.ts';
import { baseBackupOperation } from './base-backup.ts';
import { configurePrimaryOperation } from './configure-primary.ts';
import { configureStandbyOperation } from './configure-standby.ts';
import { linkNodesOperation } from './link-nodes.ts';
import { preflightOperation } from './preflight.ts';

/**
 * setup-replication: the whole lab as one plan — preflight → link-nodes → configure-primary →
 * for each standby base-backup → configure-standby → start — then a check that every standby
 * streams and replays a fresh write. Each phase is one of those operations, planned again with
 * fresh facts when the runner reaches it, so a stop leaves a state that a second run resumes
 * (what is done plans to nothing).
 */

interface Phase {
  id: string;
  title: string;
  request: OperationRequest;
  /** Planned now from the nodes as they are (true), or from the state earlier phases will leave. */
  final: boolean;
  built: BuiltPlan;
}

export interface SetupFacts {
  phases: Phase[];
  standbys: string[];
}

const parse = (body: object): OperationRequest => operationRequestSchema.parse({ dryRun: true, ...body });

export async function readSetupFacts(
  req: OperationRequestOf<'setup-replication'>,
  reader: ClusterReader,
): Promise<SetupFacts> {
  const p = req.node;
  const { standbys, method, slots, replicationUser } = req.params;
  otherNodes(reader, p, standbys, 'standby');
  const phases: Phase[] = [];
  const add = async (
    id: string,
    title: string,
    request: OperationRequest,
    final: boolean,
    opts: GatherOptions = {},
  ) => {
    const def =
      request.type === 'preflight'
        ? preflightOperation
        : request.type === 'link-nodes'
          ? linkNodesOperation
          : request.type === 'configure-primary'
            ? configurePrimaryOperation
            : request.type === 'base-backup'
              ? baseBackupOperation
              : configureStandbyOperation;
    phases.push({ id, title, request, final, built: await def.build(request, reader, opts) });
  };
  await add(
    'preflight',
    'Check both sides',
    parse({ type: 'preflight', node: p, params: { standbys } }),
    true,
  );
  await add(
    'link-nodes',
    'Link the nodes (ssh)',
    parse({ type: 'link-nodes', node: p, params: { standbys } }),
    true,
  );
  await add(
    'configure-primary',
    'WAL shipping and streaming on the primary',
    parse({ type: 'configure-primary', node: p, params: { standbys, slots, replicationUser } }),
    true,
    { predicting: true },
  );
  for (const s of standbys) {
    await add(
      `base-backup:${s}`,
      `Base backup of ${p} onto ${s}`,
      parse({ type: 'base-backup', node: s, params: { from: p, method, replicationUser } }),
      false,
      { predicting: true },
    );
    // Only when a copy is planned are the standby's files the primary's by the time it is configured.
    const copies = (phases.at(-1)?.built.steps.length ?? 0) > 0;
    await add(
      `configure-standby:${s}`,
      `${s} as a standby of ${p}`,
      parse({
        type: 'configure-standby',
        node: s,
        params: { primary: p, replicationUser, ...(slots ? { slot: slotNameFor(s) } : {}) },
      }),
      !copies,
      copies ? { predicting: true, assumeCopy: { node: s, from: p } } : {},
    );
  }
  return { phases, standbys: [...standbys] };
}

/** Starts one standby unless it runs already (a second run of the setup resumes here). */
function startStep(config: NodeConfig, phase: string): ExecStep {
  const pgc = config.postgres;
  const step = pgCtlStep(
    config.name,
    { binDir: pgc.binDir, dataDir: pgc.dataDir, logFile: pgc.logFile, configFile: pgc.configFile },
    'start',
    `Start ${config.name} as a standby`,
    [],
    { phase },
  );
  const argv = step.shown.argv ?? [];
  step.run = async (rt) => {
    const st = await rt
      .session(config.name)
      .transport.exec(pgCtlArgv({ binDir: pgc.binDir, dataDir: pgc.dataDir }, 'status'), {
        timeoutMs: 15_000,
      });
    if (st.code === 0) return ok(`${config.name} is already running`);
    return runCommand(rt, step, argv);
  };
  return step;
}

/** Every standby streams from the primary and replays a write made after the setup. */
function verifyStep(primary: string, standbys: string[], cluster: string, reader: ClusterReader): ExecStep {
  const pc = reader.session(primary).config;
  const addr = peerAddress(pc);
  return customStep(
    {
      node: primary,
      kind: 'check',
      title: `Check that ${standbys.join(', ')} stream${standbys.length === 1 ? 's' : ''} from ${primary} and replay${standbys.length === 1 ? 's' : ''} a new write`,
      runs: [
        { node: primary, sql: 'SELECT application_name, state FROM pg_stat_replication' },
        ...standbys.map((s) => ({ node: s, sql: 'SELECT status, sender_host FROM pg_stat_wal_receiver' })),
        { node: primary, sql: 'SELECT pg_current_xact_id(), pg_current_wal_lsn()' },
        ...standbys.map((s) => ({ node: s, sql: 'SELECT pg_last_wal_replay_lsn()' })),
      ],
      detail: `Waits up to 60 s for each standby's WAL receiver to stream from ${addr}:${pc.postgres.port} and for ${primary} to list it in pg_stat_replication; then takes a transaction id on ${primary} and waits until every standby has replayed past it.`,
      phase: 'verify',
    },
    async (rt) => {
      const p = rt.session(primary);
      const lines: string[] = [];
      for (const s of standbys) {
        const got = await waitFor(
          async () => {
            const rows = await p.query<{ state: string }>(
              'SELECT state FROM pg_stat_replication WHERE application_name = $1',
              [s],
            );
            return rows.some((r) => r.state === 'streaming') ? true : null;
          },
          60_000,
          100,
          rt.signal,
        );
        if (!got)
          return fail(
            `${s} does not stream from ${primary} after 60 s: look at ${s}'s log (connection, password, pg_hba)`,
            lines.join('\n'),
          );
        lines.push(`${s}: streaming from ${primary}`);
        rt.out(`${s}: streaming from ${primary}`);
      }
      const caps = p.capabilities;
      const xact = caps?.fn.currentXactId ?? 'txid_current';
      const [w] = await p.query<{ x: string; lsn: string }>(
        `SELECT ${xact}()::text AS x, pg_current_wal_lsn()::text AS lsn`,
      );
      const target = w?.lsn ?? '0/0';
      for (const s of standbys) {
        const ss = rt.session(s);
        const replayed = await waitFor(
          async () => {
            const r =
              (await ss.query<{ l: string | null }>('SELECT pg_last_wal_replay_lsn()::text AS l'))[0]?.l ??
              null;
            return r && lsnToBigInt(r) >= lsnToBigInt(target) ? r : null;
          },
          30_000,
          20,
          rt.signal,
        );
        if (!replayed)
          return fail(
            `${s} did not replay ${primary}'s transaction ${w?.x} (at ${target}) within 30 s`,
            lines.join('\n'),
          );
        lines.push(`${s}: replayed past ${target} (transaction ${w?.x} on ${primary}) → at ${replayed}`);
      }
      void cluster;
      return ok(lines.join('\n'));
    },
    120_000,
  );
}

export function planSetup(
  f: SetupFacts,
  req: OperationRequestOf<'setup-replication'>,
  env: { cluster: string; now: Date },
  reader: ClusterReader,
): BuiltPlan {
  const steps: ExecStep[] = [];
  const notes: string[] = [];
  const specs: PhaseSpec[] = [];
  const shownPhases: NonNullable<BuiltPlan['plan']['phases']> = [];
  const tag = (id: string, s: ExecStep): ExecStep => ({ ...s, shown: { ...s.shown, phase: id } });
  for (const ph of f.phases) {
    specs.push({ id: ph.id, request: ph.request });
    shownPhases.push({
      id: ph.id,
      type: ph.request.type,
      node: ph.request.node,
      title: ph.title,
      final: ph.final,
    });
    const list =
      ph.built.steps.length > 0
        ? ph.built.steps
        : [
            customStep(
              {
                node: ph.request.node,
                kind: 'check',
                title: `${ph.title}: nothing to do`,
                detail: (ph.built.plan.notes ?? []).join(' '),
              },
              async () => ok((ph.built.plan.notes ?? []).join('\n')),
            ),
          ];
    steps.push(...list.map((s) => tag(ph.id, s)));
    for (const n of ph.built.plan.notes ?? []) notes.push(`${ph.title}: ${n}`);
    // After each standby's configuration comes its start (not re-planned: a start is a start).
    if (ph.request.type === 'configure-standby') {
      const id = `start:${ph.request.node}`;
      shownPhases.push({
        id,
        type: 'start',
        node: ph.request.node,
        title: `Start ${ph.request.node}`,
        final: true,
      });
      steps.push(startStep(reader.session(ph.request.node).config, id));
    }
  }
  shownPhases.push({
    id: 'verify',
    type: 'check',
    node: req.node,
    title: 'Check streaming and replay',
    final: true,
  });
  steps.push(verifyStep(req.node, f.standbys, env.cluster, reader));
  notes.unshift(
    'Phases marked "planned when reached" are planned again from the nodes as they are then (a copy brings the primary\'s files). If a phase fails, the ones before it stay done: run setup-replication again to resume — what is done plans to nothing.',
  );
  return {
    plan: {
      type: req.type,
      cluster: env.cluster,
      node: req.node,
      destructive: true,
      steps: steps.map((s) => s.shown),
      notes,
      phases: shownPhases,
    },
    steps,
    phases: specs,
    nextAction: `Fix what the failed phase says, then run setup-replication on ${req.node} again: finished phases plan to nothing, the rest runs.`,
  };
}

export const setupReplicationOperation = defineOperation({
  type: 'setup-replication',
  gather: async (req: OperationRequestOf<'setup-replication'>, reader) => ({
    facts: await readSetupFacts(req, reader),
    reader,
  }),
  plan: (req, { facts, reader }, env) => planSetup(facts, req, env, reader),
});
