import type { StopMode } from '@walboard/shared/operations';
import {
  DESTRUCTIVE_TYPES,
  type OperationRequest,
  type OperationRequestOf,
} from '@walboard/shared/operations';
import type { Capabilities } from '../../postgres/capabilities.ts';
import type { ClusterReader } from '../cluster-reader.ts';
import { defineOperation, type OperationDefinition } from '../operation-module.ts';
import { planSetSettings, planSetStandbySource, settingsFilesToRead } from '../plan-settings.ts';
import type { BuiltPlan, FileSnapshot, PlanContext } from '../plan-types.ts';
import { archiveDirFor, planPrepareArchiveDir } from './prepare-archive-dir.ts';
import { planReload, planRestart, planStart, planStop } from './server-control.ts';
import {
  archiveStatusDir,
  OWN_APPLICATION_NAMES,
  otherClientsSql,
  type ShutdownFacts,
} from './shutdown-step.ts';
import type { PlanParts } from './single-node-parts.ts';
import { planCreateSlot, planDropSlot } from './slots.ts';

/** The operations that act on one node only, each planned from a PlanContext of that node. */
export type SingleNodeType =
  | 'start'
  | 'stop'
  | 'restart'
  | 'reload'
  | 'create-slot'
  | 'drop-slot'
  | 'prepare-archive-dir'
  | 'set-settings'
  | 'set-standby-source';

type Planner<T extends SingleNodeType> = (req: OperationRequestOf<T>, ctx: PlanContext) => PlanParts;

const PLANNERS: { [T in SingleNodeType]: Planner<T> } = {
  start: planStart,
  stop: planStop,
  restart: planRestart,
  reload: planReload,
  'create-slot': planCreateSlot,
  'drop-slot': planDropSlot,
  'prepare-archive-dir': planPrepareArchiveDir,
  'set-settings': planSetSettings,
  'set-standby-source': planSetStandbySource,
};

export function isSingleNode(type: string): type is SingleNodeType {
  return type in PLANNERS;
}

/** Builds the plan of a single-node request from its PlanContext (pure). */
export function planSingleNode(
  req: OperationRequest & { type: SingleNodeType },
  ctx: PlanContext,
): BuiltPlan {
  const planner = PLANNERS[req.type] as Planner<SingleNodeType>;
  const { steps, notes } = planner(req as OperationRequestOf<SingleNodeType>, ctx);
  return {
    plan: {
      type: req.type,
      cluster: ctx.cluster,
      node: ctx.node.name,
      destructive: DESTRUCTIVE_TYPES.has(req.type),
      steps: steps.map((s) => s.shown),
      ...(notes.length ? { notes } : {}),
    },
    steps,
  };
}

/** Everything a single-node plan needs to know about its node, read without changing anything. */
export async function readPlanContext(req: OperationRequest, reader: ClusterReader): Promise<PlanContext> {
  const session = reader.session(req.node);
  const server = await reader.server(req.node);
  const base = {
    cluster: reader.cluster,
    node: session.config,
    caps: server.caps,
    running: server.running,
    now: reader.now,
  };
  const files = new Map<string, FileSnapshot | null>();
  const paths = settingsFilesToRead(req, base);
  const snaps = await Promise.all(paths.map((p) => reader.file(req.node, p)));
  for (const [i, p] of paths.entries()) files.set(p, snaps[i] ?? null);
  const ctx: PlanContext = { ...base, files };
  if ((req.type === 'stop' || req.type === 'restart') && server.running) {
    ctx.shutdown = await readShutdownFacts(req.node, req.params.mode, server.caps, reader);
  }
  if (req.type === 'prepare-archive-dir') {
    const path = req.params.path ?? session.config.archiveDir;
    // Only look once the path passed the plan's own checks: never list folders it would refuse.
    if (path) {
      archiveDirFor(req, ctx);
      ctx.pathType = await reader.pathType(req.node, path);
    }
  }
  return ctx;
}

/** What a shutdown of this running node will wait for; a fact that cannot be read stays null. */
async function readShutdownFacts(
  node: string,
  mode: StopMode,
  caps: Capabilities | null,
  reader: ClusterReader,
): Promise<ShutdownFacts> {
  const dir = archiveStatusDir({ node: reader.session(node).config }, caps);
  const entries = await reader.entries(node, dir).catch(() => null);
  const readyFiles = entries ? entries.filter((e) => e.name.endsWith('.ready')).length : null;
  let otherClients: ShutdownFacts['otherClients'] = null;
  const sql = mode === 'smart' ? otherClientsSql(caps) : null;
  if (sql) {
    const rows = await reader
      .query<{ n: number; who: string }>(node, sql, [OWN_APPLICATION_NAMES])
      .catch(() => null);
    const row = rows?.[0];
    if (row) otherClients = { count: Number(row.n), who: row.who ? row.who.split(', ') : [] };
  }
  return { readyFiles, otherClients };
}

function singleNode<T extends SingleNodeType>(type: T): OperationDefinition {
  return defineOperation({
    type,
    gather: (req: OperationRequestOf<T>, reader) => readPlanContext(req, reader),
    plan: (req, ctx) => planSingleNode(req as OperationRequest & { type: SingleNodeType }, ctx),
  });
}

export const singleNodeOperations: OperationDefinition[] = (Object.keys(PLANNERS) as SingleNodeType[]).map(
  (t) => singleNode(t),
);
