import { randomUUID } from 'node:crypto';
import type { Operation, OperationPlan, OperationRequest, StepRun } from '@walboard/shared/operations';
import type { AuditLog } from '../audit/audit-log.ts';
import type { NodeSession } from '../nodes/node-session.ts';
import type { OperationStore } from '../store/operation-store.ts';
import { gatherPlanContext, NodeFactsError } from './node-facts.ts';
import { OperationError, OperationErrorCodes } from './operation-errors.ts';
import { type BuiltPlan, PlanRefusal } from './plan-types.ts';
import { buildPlan } from './plans.ts';
import { cutOutput, executeStep } from './step-executor.ts';

/** Who asked, for the operation record and the audit log. */
export interface Requester {
  username: string;
  /** The client's address. */
  source: string;
}

export interface OperationRunnerDeps {
  sessions: readonly NodeSession[];
  store: OperationStore;
  audit: AuditLog;
  /** Called with the whole operation on every change (wired to socket.io 'operation:event'). */
  publish: (op: Operation) => void;
  now?: () => Date;
}

interface Held {
  id: string;
  type: string;
  node: string;
  by: string;
}

/**
 * Plans and runs operations: one at a time per cluster, destructive ones only when confirmed,
 * every step recorded (output cut to 64 KiB), stopping at the first failure, each change
 * persisted and published, and one audit entry per operation.
 */
export class OperationRunner {
  private readonly locks = new Map<string, Held>();
  private readonly now: () => Date;

  constructor(private readonly deps: OperationRunnerDeps) {
    this.now = deps.now ?? (() => new Date());
    deps.store.failInterrupted(this.now().toISOString());
  }

  /** The operation holding `cluster`, if any. */
  running(cluster: string): Held | null {
    return this.locks.get(cluster) ?? null;
  }

  get(id: string): Operation | null {
    return this.deps.store.get(id);
  }

  list(cluster: string, limit = 50): Operation[] {
    return this.deps.store.list(cluster, limit);
  }

  private session(cluster: string, node: string): NodeSession {
    const inCluster = this.deps.sessions.filter((s) => s.cluster === cluster);
    if (inCluster.length === 0)
      throw new OperationError(404, OperationErrorCodes.noCluster, `no cluster named "${cluster}"`);
    const s = inCluster.find((x) => x.name === node);
    if (!s)
      throw new OperationError(
        404,
        OperationErrorCodes.noNode,
        `no node "${node}" in cluster "${cluster}": choose one of ${inCluster.map((x) => x.name).join(', ')}`,
        node,
      );
    return s;
  }

  private async build(
    cluster: string,
    req: OperationRequest,
  ): Promise<{ session: NodeSession; built: BuiltPlan }> {
    const session = this.session(cluster, req.node);
    try {
      const ctx = await gatherPlanContext(cluster, session, req, this.now());
      return { session, built: buildPlan(req, ctx) };
    } catch (err) {
      if (err instanceof PlanRefusal)
        throw new OperationError(422, OperationErrorCodes.refused, err.message, err.node);
      if (err instanceof NodeFactsError)
        throw new OperationError(503, OperationErrorCodes.nodeUnavailable, err.message, err.node);
      throw err;
    }
  }

  /** What `req` would run, running nothing (dry run). */
  async plan(cluster: string, req: OperationRequest): Promise<OperationPlan> {
    return (await this.build(cluster, req)).built.plan;
  }

  /**
   * Starts `req`: answers with the id once the plan is made and the cluster is held; `done`
   * settles when the last step has. Refusals (busy, unconfirmed, impossible) throw OperationError.
   */
  async start(
    cluster: string,
    req: OperationRequest,
    by: Requester,
  ): Promise<{ id: string; done: Promise<Operation> }> {
    const audit = (result: 'ok' | 'failed' | 'refused', message: string, id?: string) =>
      this.deps.audit.record({
        actor: { username: by.username },
        source: by.source,
        action: `operation.${req.type}`,
        target: `${cluster}/${req.node}`,
        detail: { cluster, node: req.node, params: req.params, ...(id ? { id } : {}) },
        result,
        message,
      });
    const held = this.locks.get(cluster);
    if (held) {
      const msg = `cluster ${cluster} is busy: operation ${held.id} (${held.type} on ${held.node}, by ${held.by}) is running; wait for it to finish and try again`;
      audit('refused', msg);
      throw new OperationError(409, OperationErrorCodes.busy, msg, held.node);
    }
    const id = randomUUID();
    // Held before the first await: a second request arriving while this one plans is refused.
    this.locks.set(cluster, { id, type: req.type, node: req.node, by: by.username });
    let session: NodeSession;
    let built: BuiltPlan;
    try {
      ({ session, built } = await this.build(cluster, req));
      if (built.plan.destructive && !req.confirm) {
        throw new OperationError(
          409,
          OperationErrorCodes.confirmRequired,
          `${req.type} on ${req.node} ${req.type === 'stop' || req.type === 'restart' ? 'stops the server' : req.type === 'drop-slot' ? 'drops a replication slot' : 'rewrites a config file'}: review the plan, then send it again with confirm: true`,
          req.node,
          built.plan,
        );
      }
    } catch (err) {
      this.locks.delete(cluster);
      audit('refused', (err as Error).message);
      throw err;
    }
    const op: Operation = {
      id,
      cluster,
      node: req.node,
      type: req.type,
      params: req.params as Record<string, unknown>,
      requestedBy: by.username,
      state: 'running',
      createdAt: this.now().toISOString(),
      finishedAt: null,
      message: `${req.type} on ${req.node} is running`,
      steps: built.plan.steps.map((s) => ({
        ...s,
        state: 'pending',
        output: '',
        exitCode: null,
        startedAt: null,
        finishedAt: null,
      })),
    };
    this.save(op);
    const done = this.run(op, session, built)
      .catch((err: Error) => {
        op.state = 'failed';
        op.message = `${req.type} on ${req.node} stopped on an internal error: ${err.message}`;
        op.finishedAt = this.now().toISOString();
        this.save(op);
        return op;
      })
      .finally(() => {
        this.locks.delete(cluster);
        audit(op.state === 'succeeded' ? 'ok' : 'failed', op.message, id);
      });
    return { id, done };
  }

  private save(op: Operation): void {
    this.deps.store.save(op);
    this.deps.publish(structuredClone(op));
  }

  private async run(op: Operation, session: NodeSession, built: BuiltPlan): Promise<Operation> {
    for (let i = 0; i < built.steps.length; i++) {
      const step = op.steps[i] as StepRun;
      step.state = 'running';
      step.startedAt = this.now().toISOString();
      this.save(op);
      let result: Awaited<ReturnType<typeof executeStep>>;
      try {
        result = await executeStep(session, built.steps[i] as BuiltPlan['steps'][number]);
      } catch (err) {
        result = {
          ok: false,
          output: (err as Error).message,
          exitCode: null,
          reason: (err as Error).message,
        };
      }
      step.output = cutOutput(result.output);
      step.exitCode = result.exitCode;
      step.state = result.ok ? 'succeeded' : 'failed';
      step.finishedAt = this.now().toISOString();
      if (!result.ok) {
        for (const rest of op.steps.slice(i + 1)) rest.state = 'skipped';
        op.state = 'failed';
        op.message = `step ${i + 1} (${step.title}) failed on ${op.node}: ${result.reason ?? 'see its output'}`;
        op.finishedAt = step.finishedAt;
        this.save(op);
        return op;
      }
      this.save(op);
    }
    op.state = 'succeeded';
    const notes = built.plan.notes ?? [];
    op.message = [`${op.type} on ${op.node} finished`, ...notes].join(' — ');
    op.finishedAt = this.now().toISOString();
    this.save(op);
    return op;
  }
}
