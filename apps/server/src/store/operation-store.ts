import type { Operation, StepRun } from '@walboard/shared/operations';
import type Database from 'better-sqlite3';

interface Row {
  id: string;
  cluster: string;
  node: string;
  type: string;
  params: string;
  requested_by: string;
  state: Operation['state'];
  created_at: string;
  finished_at: string | null;
  message: string;
  steps: string;
  extra: string;
}

/** Operation fields kept in the `extra` JSON column. */
type Extra = Pick<Operation, 'cancelRequested' | 'phases' | 'promotion' | 'nextAction'>;

function extraOf(op: Operation): Extra {
  const e: Extra = {};
  if (op.cancelRequested !== undefined) e.cancelRequested = op.cancelRequested;
  if (op.phases !== undefined) e.phases = op.phases;
  if (op.promotion !== undefined) e.promotion = op.promotion;
  if (op.nextAction !== undefined) e.nextAction = op.nextAction;
  return e;
}

function toOperation(r: Row): Operation {
  return {
    id: r.id,
    cluster: r.cluster,
    node: r.node,
    type: r.type,
    params: JSON.parse(r.params) as Record<string, unknown>,
    requestedBy: r.requested_by,
    state: r.state,
    createdAt: r.created_at,
    finishedAt: r.finished_at,
    message: r.message,
    steps: JSON.parse(r.steps) as StepRun[],
    ...(JSON.parse(r.extra) as Extra),
  };
}

/** The `operations` table: one row per operation, its steps (with output) as JSON. */
export class OperationStore {
  private readonly upsert: Database.Statement;
  private readonly byId: Database.Statement<[string], Row>;
  private readonly byCluster: Database.Statement<[string, number], Row>;

  constructor(private readonly db: Database.Database) {
    this.upsert = db.prepare(`
      INSERT INTO operations (id, cluster, node, type, params, requested_by, state, created_at, finished_at, message, steps, extra)
      VALUES (@id, @cluster, @node, @type, @params, @requestedBy, @state, @createdAt, @finishedAt, @message, @steps, @extra)
      ON CONFLICT (id) DO UPDATE SET state = excluded.state, finished_at = excluded.finished_at,
        message = excluded.message, steps = excluded.steps, extra = excluded.extra`);
    this.byId = db.prepare('SELECT * FROM operations WHERE id = ?');
    this.byCluster = db.prepare(
      'SELECT * FROM operations WHERE cluster = ? ORDER BY created_at DESC, rowid DESC LIMIT ?',
    );
  }

  /** Inserts the operation, or updates its state, message and steps. */
  save(op: Operation): void {
    this.upsert.run({
      id: op.id,
      cluster: op.cluster,
      node: op.node,
      type: op.type,
      params: JSON.stringify(op.params),
      requestedBy: op.requestedBy,
      state: op.state,
      createdAt: op.createdAt,
      finishedAt: op.finishedAt,
      message: op.message,
      steps: JSON.stringify(op.steps),
      extra: JSON.stringify(extraOf(op)),
    });
  }

  get(id: string): Operation | null {
    const r = this.byId.get(id);
    return r ? toOperation(r) : null;
  }

  /** Newest first. */
  list(cluster: string, limit: number): Operation[] {
    return this.byCluster.all(cluster, limit).map(toOperation);
  }

  /**
   * Operations still marked running when the controller starts were cut off by a stop or a
   * crash: mark them interrupted (with the step they were in and what to do next) so the page
   * does not wait for them forever, and nothing retries them. Returns how many.
   */
  failInterrupted(at: string): number {
    const rows = this.db.prepare<[], Row>("SELECT * FROM operations WHERE state = 'running'").all();
    for (const r of rows) {
      const op = toOperation(r);
      const i = op.steps.findIndex((s) => s.state === 'running');
      const last = op.steps[i];
      const where = last ? `during step ${i + 1} (${last.title}) on ${last.node}` : 'between two steps';
      this.save({
        ...op,
        state: 'interrupted',
        finishedAt: at,
        message: `the controller stopped ${where}: nothing was retried`,
        nextAction: last
          ? `Look at ${last.node} as that step may have left it (${last.title}), then plan ${op.type} on ${op.node} again: what is already done plans to nothing.`
          : `Plan ${op.type} on ${op.node} again: what is already done plans to nothing.`,
        steps: op.steps.map((s) =>
          s.state === 'running' || s.state === 'pending'
            ? { ...s, state: s.state === 'running' ? 'failed' : 'skipped' }
            : s,
        ),
      });
    }
    return rows.length;
  }
}
