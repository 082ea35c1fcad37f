import type Database from 'better-sqlite3';

/** Browsers that signed in before, keyed by the SHA-256 of their device cookie's token. */
export class DeviceStore {
  constructor(private readonly db: Database.Database) {}

  insert(tokenHash: string, username: string, now: number): void {
    this.db
      .prepare('INSERT INTO login_devices (token_hash, username, created_at, last_used) VALUES (?, ?, ?, ?)')
      .run(tokenHash, username, now, now);
  }

  /** The user a device belongs to, when it was used after `usedAfter`; else null. */
  owner(tokenHash: string, usedAfter: number): string | null {
    const row = this.db
      .prepare<[string, number], { username: string }>(
        'SELECT username FROM login_devices WHERE token_hash = ? AND last_used > ?',
      )
      .get(tokenHash, usedAfter);
    return row?.username ?? null;
  }

  touch(tokenHash: string, now: number): void {
    this.db.prepare('UPDATE login_devices SET last_used = ? WHERE token_hash = ?').run(now, tokenHash);
  }

  deleteUnusedSince(before: number): number {
    return this.db.prepare('DELETE FROM login_devices WHERE last_used <= ?').run(before).changes;
  }
}
