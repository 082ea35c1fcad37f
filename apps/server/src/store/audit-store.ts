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

/** The append-only audit table. Nothing here updates or deletes a row. */
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
