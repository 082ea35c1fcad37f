import type {
  OperationPlan,
  OperationRequest,
  OperationRequestOf,
  OperationType,
} from '@walboard/shared/operations';
import type { ClusterReader } from './cluster-reader.ts';
import type { BuiltPlan, ExecStep, PhaseSpec } from './plan-types.ts';

/** Read-time options: composite operations plan later phases against the state earlier ones will leave. */
export interface GatherOptions {
  /**
   * Planned as a later phase of a composite operation whose earlier phases have not run yet: do
   * not refuse for what those phases will do (a password in .pgpass, an archive directory).
   */
  predicting?: boolean;
  /**
   * Plan as if `node` had just received a base backup from `from` (setup-replication's dry run):
   * the data directory's files are read from `from`, and its current state is not held against it.
   */
  assumeCopy?: { node: string; from: string };
}

/**
 * One operation type: `gather` reads what it needs from the nodes (changing nothing), `plan`
 * turns request + facts into steps without any I/O — unit-tested with facts written by hand.
 */
export interface OperationModule<T extends OperationType, F> {
  type: T;
  gather(req: OperationRequestOf<T>, reader: ClusterReader, opts: GatherOptions): Promise<F>;
  plan(req: OperationRequestOf<T>, facts: F, env: { cluster: string; now: Date }): BuiltPlan;
}

/** A module with its facts type hidden: what the registry holds. */
export interface OperationDefinition {
  type: OperationType;
  build(req: OperationRequest, reader: ClusterReader, opts?: GatherOptions): Promise<BuiltPlan>;
}

export function defineOperation<T extends OperationType, F>(m: OperationModule<T, F>): OperationDefinition {
  return {
    type: m.type,
    async build(req, reader, opts = {}) {
      if (req.type !== m.type) throw new Error(`operation module ${m.type} asked to plan ${req.type}`);
      const r = req as OperationRequestOf<T>;
      const facts = await m.gather(r, reader, opts);
      return m.plan(r, facts, { cluster: reader.cluster, now: reader.now });
    },
  };
}

/** What most modules' plan() returns: the planned steps, shown to the user as they will run. */
export function builtPlan(
  req: Pick<OperationRequest, 'type' | 'node'>,
  env: { cluster: string },
  planned: { steps: ExecStep[]; notes: string[] },
  more: {
    destructive: boolean;
    /** Extra fields of the shown plan (lossCheck, refusal, phases as the page shows them). */
    shown?: Partial<OperationPlan>;
    phases?: PhaseSpec[];
    nextAction?: string;
  },
): BuiltPlan {
  return {
    plan: {
      type: req.type,
      cluster: env.cluster,
      node: req.node,
      destructive: more.destructive,
      steps: planned.steps.map((x) => x.shown),
      notes: planned.notes,
      ...more.shown,
    },
    steps: planned.steps,
    ...(more.phases ? { phases: more.phases } : {}),
    ...(more.nextAction ? { nextAction: more.nextAction } : {}),
  };
}
