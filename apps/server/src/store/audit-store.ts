import type { AuditEntry, AuditQuery, AuditResult } from '@walboard/shared/audit';
import type Database from 'better-sqlite3';

export interface NewAuditEntry {
  at: string;
  username: string | null;
  source: string;
  action: string;
  target: string | null;
  detail: Record<string, unknown>;
  result: AuditResult;
  message: string;
}

interface Row {
  id: number;
  at: string;
  username: string | null;
  source: string;
  action: string;
  target: string | null;
  detail: string;
  result: AuditResult;
  message: string;
}

/**
 * The audit table. Rows are appended; two things change them afterwards: the count of an
 * aggregated refusal row (many refused sign-ins from one source, one row), and the retention job
 * that deletes rows older than audit.retentionDays (or beyond audit.maxRows).
 */
export class AuditStore {
  private readonly insert: Database.Statement;
  constructor(private readonly db: Database.Database) {
    this.insert = db.prepare(
      'INSERT INTO audit (at, username, source, action, target, detail, result, message) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
    );
  }

  append(e: NewAuditEntry): number {
    const r = this.insert.run(
      e.at,
      e.username,
      e.source,
      e.action,
      e.target,
      JSON.stringify(e.detail),
      e.result,
      e.message,
    );
    return Number(r.lastInsertRowid);
  }

  /** Rewrites the detail and message of one row (the running count of an aggregated refusal). */
  update(id: number, detail: Record<string, unknown>, message: string): void {
    this.db
      .prepare('UPDATE audit SET detail = ?, message = ? WHERE id = ?')
      .run(JSON.stringify(detail), message, id);
  }

  /** Deletes rows written before `before` (ISO time); returns how many. */
  deleteOlderThan(before: string): number {
    return this.db.prepare('DELETE FROM audit WHERE at < ?').run(before).changes;
  }

  /** Keeps the newest `max` rows, deleting the rest; returns how many were deleted. */
  keepNewest(max: number): number {
    const edge = this.db
      .prepare<[number], { id: number }>('SELECT id FROM audit ORDER BY id DESC LIMIT 1 OFFSET ?')
      .get(max);
    if (!edge) return 0;
    return this.db.prepare('DELETE FROM audit WHERE id <= ?').run(edge.id).changes;
  }

  count(): number {
    return this.db.prepare<[], { n: number }>('SELECT count(*) AS n FROM audit').get()?.n ?? 0;
  }

  /** Newest first. */
  list(q: AuditQuery): AuditEntry[] {
    const where: string[] = [];
    const args: (string | number)[] = [];
    if (q.before !== undefined) {
      where.push('id < ?');
      args.push(q.before);
    }
    if (q.action !== undefined) {
      where.push('action = ?');
      args.push(q.action);
    }
    const sql = `SELECT * FROM audit ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ?`;
    return this.db
      .prepare<(string | number)[], Row>(sql)
      .all(...args, q.limit)
      .map((r) => ({ ...r, detail: JSON.parse(r.detail) as Record<string, unknown> }));
  }
}
