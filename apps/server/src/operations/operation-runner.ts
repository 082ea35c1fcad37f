import { randomUUID } from 'node:crypto';
import type {
  Operation,
  OperationPlan,
  OperationRequest,
  PlanStep,
  StepProgress,
  StepRun,
} from '@walboard/shared/operations';
import type { AuditLog } from '../audit/audit-log.ts';
import type { EventLog } from '../logging/event-log.ts';
import type { NodeSession } from '../nodes/node-session.ts';
import type { OperationStore } from '../store/operation-store.ts';
import { ClusterReader } from './cluster-reader.ts';
import { NodeFactsError } from './node-facts.ts';
import { OperationError, OperationErrorCodes } from './operation-errors.ts';
import type { GatherOptions, OperationDefinition } from './operation-module.ts';
import {
  type BuiltPlan,
  type ExecStep,
  PlanRefusal,
  type StepResult,
  type StepRuntime,
} from './plan-types.ts';
import { operationDefinition } from './registry.ts';
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
  /** The server log: one line when an operation starts and one when it ends. */
  events?: Pick<EventLog, 'operationStarted' | 'operationEnded' | 'operationRefused'>;
  /** Called with the whole operation on every change (wired to socket.io 'operation:event'). */
  publish: (op: Operation) => void;
  now?: () => Date;
  /** How long streamed output and progress wait before they are published together (ms). */
  publishEveryMs?: number;
  /** Where each type's planner comes from (the registry; tests give their own). */
  definitions?: (type: OperationRequest['type']) => OperationDefinition;
}

interface Held {
  id: string;
  type: string;
  node: string;
  by: string;
}

interface Running {
  op: Operation;
  abort: AbortController;
}

const CONFIRM_WHY: Partial<Record<string, string>> = {
  stop: 'stops the server',
  restart: 'stops the server',
  'drop-slot': 'drops a replication slot',
  'link-nodes': 'changes ssh files on the nodes',
  'configure-primary': 'rewrites configuration files and may restart the server',
  'base-backup': "replaces the node's data directory (the old one is kept aside)",
  'configure-standby': 'rewrites configuration files and makes the node a standby',
  promote: 'makes a standby a primary',
  'clean-archive': 'deletes archived WAL files',
  'setup-replication': "rewrites configuration files, restarts servers and replaces the standbys' data",
  switchover: 'stops the primary, promotes this standby and makes the old primary its standby',
};

/**
 * Plans and runs operations: one at a time per cluster, destructive ones only when confirmed,
 * every step recorded (output streamed, cut to 64 KiB), stopping at the first failure, cancel
 * between steps, each change persisted and published, one audit entry per operation.
 */
export class OperationRunner {
  private readonly locks = new Map<string, Held>();
  private readonly active = new Map<string, Running>();
  private readonly now: () => Date;

  constructor(private readonly deps: OperationRunnerDeps) {
    this.now = deps.now ?? (() => new Date());
    deps.store.failInterrupted(this.now().toISOString());
  }

  /** The operation holding `cluster`, if any. */
  running(cluster: string): Held | null {
    return this.locks.get(cluster) ?? null;
  }

  /**
   * Holds `cluster` for work done outside the runner (the lab reset): no operation starts until
   * the returned release is called. Throws WB_ERR_CLUSTER_BUSY (409) while an operation holds it.
   */
  hold(cluster: string, what: { type: string; node: string; by: string }): () => void {
    const held = this.locks.get(cluster);
    if (held)
      throw new OperationError(
        409,
        OperationErrorCodes.busy,
        `cluster ${cluster} is busy: operation ${held.id} (${held.type} on ${held.node}, by ${held.by}) is running; wait for it to finish or cancel it, then try again`,
        held.node,
      );
    const mine: Held = { id: randomUUID(), ...what };
    this.locks.set(cluster, mine);
    return () => {
      if (this.locks.get(cluster) === mine) this.locks.delete(cluster);
    };
  }

  get(id: string): Operation | null {
    const live = this.active.get(id);
    return live ? structuredClone(live.op) : this.deps.store.get(id);
  }

  list(cluster: string, limit = 50): Operation[] {
    return this.deps.store.list(cluster, limit);
  }

  private reader(cluster: string): ClusterReader {
    return new ClusterReader(cluster, this.deps.sessions, this.now());
  }

  private async build(cluster: string, req: OperationRequest, opts: GatherOptions = {}): Promise<BuiltPlan> {
    const reader = this.reader(cluster);
    // Unknown cluster or node: 404 before anything is read.
    reader.session(req.node);
    try {
      return await (this.deps.definitions ?? operationDefinition)(req.type).build(req, reader, opts);
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
    return (await this.build(cluster, req)).plan;
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
      this.deps.events?.operationRefused({
        cluster,
        req,
        by: by.username,
        code: OperationErrorCodes.busy,
        message: msg,
      });
      throw new OperationError(409, OperationErrorCodes.busy, msg, held.node);
    }
    const id = randomUUID();
    // Held before the first await: a second request arriving while this one plans is refused.
    this.locks.set(cluster, { id, type: req.type, node: req.node, by: by.username });
    let built: BuiltPlan;
    try {
      built = await this.build(cluster, req);
      if (built.plan.refusal)
        throw new OperationError(422, OperationErrorCodes.refused, built.plan.refusal, req.node);
      if (built.plan.destructive && !req.confirm) {
        throw new OperationError(
          409,
          OperationErrorCodes.confirmRequired,
          `${req.type} on ${req.node} ${CONFIRM_WHY[req.type] ?? 'rewrites a config file'}: review the plan, then send it again with confirm: true`,
          req.node,
          built.plan,
        );
      }
    } catch (err) {
      this.locks.delete(cluster);
      audit('refused', (err as Error).message);
      const code = err instanceof OperationError ? err.code : OperationErrorCodes.refused;
      this.deps.events?.operationRefused({
        cluster,
        req,
        by: by.username,
        code,
        message: (err as Error).message,
        askedToConfirm: code === OperationErrorCodes.confirmRequired,
      });
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
      steps: built.plan.steps.map(pendingStep),
      ...(built.plan.phases ? { phases: built.plan.phases } : {}),
    };
    const running: Running = { op, abort: new AbortController() };
    this.active.set(id, running);
    this.save(op);
    this.deps.events?.operationStarted(op);
    const done = this.run(running, built)
      .catch((err: Error) => {
        op.state = 'failed';
        op.message = `${req.type} on ${req.node} stopped on an internal error: ${err.message}`;
        op.finishedAt = this.now().toISOString();
        return op;
      })
      .finally(() => {
        this.active.delete(id);
        this.flush(op);
        this.locks.delete(cluster);
        audit(op.state === 'succeeded' ? 'ok' : 'failed', op.message, id);
        this.deps.events?.operationEnded(op);
      });
    return { id, done };
  }

  /**
   * Asks a running operation to stop: at the next step boundary that is not inside a critical
   * section, and at once inside a step that can stop (copies). Audited.
   */
  cancel(id: string, by: Requester): Operation {
    const live = this.active.get(id);
    const op = live?.op ?? this.deps.store.get(id);
    if (!op) throw new OperationError(404, OperationErrorCodes.noOperation, `no operation with id "${id}"`);
    const record = (result: 'ok' | 'refused', message: string) =>
      this.deps.audit.record({
        actor: { username: by.username },
        source: by.source,
        action: 'operation.cancel',
        target: `${op.cluster}/${op.node}`,
        detail: { id, type: op.type },
        result,
        message,
      });
    if (!live) {
      const msg = `operation ${id} (${op.type} on ${op.node}) is not running: it ended as ${op.state}`;
      record('refused', msg);
      throw new OperationError(409, OperationErrorCodes.notRunning, msg, op.node);
    }
    if (!op.cancelRequested) {
      op.cancelRequested = true;
      live.abort.abort();
      record('ok', `cancel of ${op.type} on ${op.node} requested by ${by.username}`);
      this.save(op);
    }
    return structuredClone(op);
  }

  private pendingPublish = new Map<string, NodeJS.Timeout>();

  private save(op: Operation): void {
    const t = this.pendingPublish.get(op.id);
    if (t) {
      clearTimeout(t);
      this.pendingPublish.delete(op.id);
    }
    this.deps.store.save(op);
    this.deps.publish(structuredClone(op));
  }

  /** Streamed output and progress: published together, at most every publishEveryMs. */
  private touch(op: Operation): void {
    if (this.pendingPublish.has(op.id)) return;
    this.pendingPublish.set(
      op.id,
      setTimeout(() => {
        this.pendingPublish.delete(op.id);
        this.save(op);
      }, this.deps.publishEveryMs ?? 100),
    );
  }

  private flush(op: Operation): void {
    this.save(op);
  }

  private runtime(
    running: Running,
    stepIndex: () => number,
    cleanups: (() => Promise<void> | void)[],
    shared: Map<string, unknown>,
  ): StepRuntime {
    const op = running.op;
    return {
      cluster: op.cluster,
      session: (node) => {
        const s = this.deps.sessions.find((x) => x.cluster === op.cluster && x.name === node);
        if (!s) throw new Error(`no node ${node} in cluster ${op.cluster}`);
        return s;
      },
      out: (line) => {
        const step = op.steps[stepIndex()];
        if (!step) return;
        step.output = cutOutput(step.output === '' ? line : `${step.output}\n${line}`);
        this.touch(op);
      },
      progress: (p) => {
        const step = op.steps[stepIndex()];
        if (!step) return;
        const progress: StepProgress = { ...p, updatedAt: this.now().toISOString() };
        step.progress = progress;
        this.touch(op);
      },
      signal: running.abort.signal,
      shared,
      onCleanup: (fn) => cleanups.push(fn),
      setPromotion: (p) => {
        op.promotion = p;
        this.touch(op);
      },
      now: this.now,
    };
  }

  private async run(running: Running, built: BuiltPlan): Promise<Operation> {
    const op = running.op;
    const cleanups: (() => Promise<void> | void)[] = [];
    const shared = new Map<string, unknown>();
    let current = 0;
    const rt = this.runtime(running, () => current, cleanups, shared);
    let steps: ExecStep[] = [...built.steps];
    let nextAction = built.nextAction;
    const checkFailures: string[] = [];
    const replanned = new Set<string>(built.phases?.[0] ? [built.phases[0].id] : []);
    // The end is told only once the cleanups ran (a partial copy removed, a session closed): a
    // client that sees the operation ended finds the nodes as its message says.
    let ending: { state: Operation['state']; message: string } | null = null;
    const finish = (state: Operation['state'], message: string) => {
      ending = { state, message };
    };
    try {
      for (let i = 0; i < steps.length; i++) {
        current = i;
        const exec = steps[i] as ExecStep;
        // Composite operations: a phase is planned again from the nodes as they are now.
        const phase = exec.shown.phase;
        if (built.phases && phase && !replanned.has(phase)) {
          replanned.add(phase);
          if (this.cancelHere(op, exec)) return this.cancelled(op, i, finish);
          const fresh = await this.replanPhase(op, built, phase, steps, i);
          if ('refusal' in fresh) {
            for (const rest of op.steps.slice(i)) rest.state = 'skipped';
            finish('failed', fresh.refusal);
            return op;
          }
          steps = fresh.steps;
          if (fresh.nextAction) nextAction = fresh.nextAction;
          if (i >= steps.length) break;
          i--; // run the re-planned step at this index
          continue;
        }
        if (this.cancelHere(op, exec)) return this.cancelled(op, i, finish);
        const step = op.steps[i] as StepRun;
        step.state = 'running';
        step.startedAt = this.now().toISOString();
        this.save(op);
        let result: StepResult;
        try {
          result = await executeStep(rt, exec);
        } catch (err) {
          result = {
            ok: false,
            output: (err as Error).message,
            exitCode: null,
            reason: (err as Error).message,
          };
        }
        if (result.output !== '' || step.output === '')
          step.output = cutOutput(mergeOutput(step.output, result.output));
        step.exitCode = result.exitCode;
        step.finishedAt = this.now().toISOString();
        if (result.cancelled) {
          step.state = 'failed';
          for (const rest of op.steps.slice(i + 1)) rest.state = 'skipped';
          finish(
            'cancelled',
            `${op.type} on ${op.node} was cancelled during step ${i + 1} (${step.title}): ${result.reason ?? 'stopped'}`,
          );
          return op;
        }
        step.state = result.ok ? 'succeeded' : 'failed';
        if (!result.ok && exec.continueOnFailure) {
          checkFailures.push(`${step.title}: ${result.reason ?? 'failed'}`);
          this.save(op);
          continue;
        }
        if (!result.ok) {
          for (const rest of op.steps.slice(i + 1)) rest.state = 'skipped';
          const where = step.phase ? ` (phase ${step.phase})` : '';
          finish(
            'failed',
            `step ${i + 1}${where} (${step.title}) failed on ${step.node}: ${result.reason ?? 'see its output'}`,
          );
          return op;
        }
        this.save(op);
      }
      if (checkFailures.length > 0) {
        finish(
          'failed',
          `${op.type} found ${checkFailures.length} problem${checkFailures.length === 1 ? '' : 's'}: ${checkFailures.join('; ')}`,
        );
        return op;
      }
      const notes = built.plan.notes ?? [];
      finish('succeeded', [`${op.type} on ${op.node} finished`, ...notes].join(' — '));
      return op;
    } finally {
      for (const fn of cleanups.reverse())
        await Promise.resolve()
          .then(fn)
          .catch(() => {});
      const end = ending as { state: Operation['state']; message: string } | null;
      if (end) {
        op.state = end.state;
        op.message = end.message;
        op.finishedAt = this.now().toISOString();
        if (end.state !== 'succeeded' && nextAction) op.nextAction = nextAction;
      }
    }
  }

  /** True when the user asked to cancel and this boundary may be a stopping point. */
  private cancelHere(op: Operation, next: ExecStep): boolean {
    return op.cancelRequested === true && !next.shown.critical;
  }

  private cancelled(
    op: Operation,
    at: number,
    finish: (s: Operation['state'], m: string) => void,
  ): Operation {
    for (const rest of op.steps.slice(at)) rest.state = 'skipped';
    const doneCount = op.steps.filter((s) => s.state === 'succeeded').length;
    finish(
      'cancelled',
      `${op.type} on ${op.node} was cancelled before step ${at + 1}: ${doneCount} step${doneCount === 1 ? '' : 's'} had run`,
    );
    return op;
  }

  /** Plans `phase` again from the nodes as they are now and puts its steps in place of the old ones. */
  private async replanPhase(
    op: Operation,
    built: BuiltPlan,
    phase: string,
    steps: ExecStep[],
    at: number,
  ): Promise<{ steps: ExecStep[]; nextAction?: string } | { refusal: string }> {
    const spec = built.phases?.find((p) => p.id === phase);
    if (!spec) return { steps };
    let fresh: BuiltPlan;
    try {
      fresh = await this.build(op.cluster, spec.request);
    } catch (err) {
      return { refusal: `phase ${phase} could not be planned: ${(err as Error).message}` };
    }
    let end = at;
    while (end < steps.length && steps[end]?.shown.phase === phase) end++;
    const notes = fresh.plan.notes ?? [];
    // A phase with nothing left to do still shows up, with why (its plan's notes).
    const planned: ExecStep[] =
      fresh.steps.length > 0
        ? fresh.steps
        : [
            {
              shown: {
                node: spec.request.node,
                kind: 'check',
                title: `${spec.request.type} on ${spec.request.node}: nothing to do`,
              },
              timeoutMs: 1000,
              run: async () => ({ ok: true, output: notes.join('\n'), exitCode: null }),
            },
          ];
    const tagged = planned.map((s) => ({ ...s, shown: { ...s.shown, phase } }));
    const next = [...steps.slice(0, at), ...tagged, ...steps.slice(end)];
    op.steps.splice(at, end - at, ...tagged.map((s) => pendingStep(s.shown)));
    this.save(op);
    return { steps: next, ...(fresh.nextAction ? { nextAction: fresh.nextAction } : {}) };
  }
}

function pendingStep(s: PlanStep): StepRun {
  return { ...s, state: 'pending', output: '', exitCode: null, startedAt: null, finishedAt: null };
}

function mergeOutput(streamed: string, final: string): string {
  if (streamed === '') return final;
  if (final === '' || streamed.endsWith(final)) return streamed;
  return `${streamed}\n${final}`;
}
