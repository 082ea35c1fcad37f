import type Database from 'better-sqlite3';

export interface SessionRow {
  token_hash: string;
  username: string;
  csrf_token: string;
  auto_login: number;
  source: string;
  created_at: number;
  last_seen: number;
  expires_at: number;
}

/** Server-side sessions, keyed by the SHA-256 of the cookie's token. */
export class SessionStore {
  constructor(private readonly db: Database.Database) {}

  insert(row: SessionRow): void {
    this.db
      .prepare(
        'INSERT INTO sessions (token_hash, username, csrf_token, auto_login, source, created_at, last_seen, expires_at) VALUES (@token_hash, @username, @csrf_token, @auto_login, @source, @created_at, @last_seen, @expires_at)',
      )
      .run(row);
  }

  get(tokenHash: string): SessionRow | null {
    return (
      this.db.prepare<[string], SessionRow>('SELECT * FROM sessions WHERE token_hash = ?').get(tokenHash) ??
      null
    );
  }

  touch(tokenHash: string, lastSeen: number, expiresAt: number): void {
    this.db
      .prepare('UPDATE sessions SET last_seen = ?, expires_at = ? WHERE token_hash = ?')
      .run(lastSeen, expiresAt, tokenHash);
  }

  delete(tokenHash: string): boolean {
    return this.db.prepare('DELETE FROM sessions WHERE token_hash = ?').run(tokenHash).changes === 1;
  }

  /** Returns the ended sessions' ids (to disconnect their sockets); `except` survives. */
  deleteForUser(username: string, except: string | null = null): string[] {
    return this.db
      .prepare<[string, string], { token_hash: string }>(
        'DELETE FROM sessions WHERE username = ? AND token_hash <> ? RETURNING token_hash',
      )
      .all(username, except ?? '')
      .map((r) => r.token_hash);
  }

  /** Sessions idle past their expiry, or created before `createdBefore` (absolute limit); their ids. */
  deleteExpired(now: number, createdBefore: number): string[] {
    return this.db
      .prepare<[number, number], { token_hash: string }>(
        'DELETE FROM sessions WHERE expires_at <= ? OR created_at <= ? RETURNING token_hash',
      )
      .all(now, createdBefore)
      .map((r) => r.token_hash);
  }
}
