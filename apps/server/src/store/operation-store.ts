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
  };
}

/** The `operations` table: one row per operation, its steps (with output) as JSON. */
export class OperationStore {
  private readonly upsert: Database.Statement;
  private readonly byId: Database.Statement<[string], Row>;
  private readonly byCluster: Database.Statement<[string, number], Row>;

  constructor(private readonly db: Database.Database) {
    this.upsert = db.prepare(`
      INSERT INTO operations (id, cluster, node, type, params, requested_by, state, created_at, finished_at, message, steps)
      VALUES (@id, @cluster, @node, @type, @params, @requestedBy, @state, @createdAt, @finishedAt, @message, @steps)
      ON CONFLICT (id) DO UPDATE SET state = excluded.state, finished_at = excluded.finished_at,
        message = excluded.message, steps = excluded.steps`);
    this.byId = db.prepare('SELECT * FROM operations WHERE id = ?');
    this.byCluster = db.prepare(
      'SELECT * FROM operations WHERE cluster = ? ORDER BY created_at DESC, rowid DESC LIMIT ?',
    );
  }

  /** Inserts the operation, or updates its state, message and steps. */
  save(op: Operation): void {
    this.upsert.run({ ...op, params: JSON.stringify(op.params), steps: JSON.stringify(op.steps) });
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
   * crash: mark them failed so the page does not wait for them forever. Returns how many.
   */
  failInterrupted(at: string): number {
    const rows = this.db.prepare<[], Row>("SELECT * FROM operations WHERE state = 'running'").all();
    for (const r of rows) {
      const op = toOperation(r);
      this.save({
        ...op,
        state: 'failed',
        finishedAt: at,
        message: 'the controller stopped while this operation ran: check the node before running it again',
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
