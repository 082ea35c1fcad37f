import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { AuditStore } from './audit-store.ts';
import { LagStore } from './lag-store.ts';
import { MIGRATIONS, type Migration } from './migrations.ts';

export const STORE_FILE = 'walboard.db';

/** The controller's SQLite store. Only store/ touches SQLite; the rest uses its repositories. */
export interface WalboardStore {
  readonly file: string;
  readonly lag: LagStore;
  readonly audit: AuditStore;
  /** The open database, for the repositories of store/ (users, sessions, host keys, operations). */
  readonly db: Database.Database;
  /** Migration ids applied in this file, ascending. */
  appliedMigrations(): number[];
  /** Bytes used by the database (pages in use × page size), WAL not included. */
  sizeBytes(): number;
  close(): void;
}

/**
 * Opens (creating if needed) `<dataDir>/walboard.db` in WAL mode and applies pending migrations.
 * Throws with the path and the next thing to try when the folder or file cannot be used.
 */
export function openStore(dataDir: string, migrations: readonly Migration[] = MIGRATIONS): WalboardStore {
  const file = join(dataDir, STORE_FILE);
  let db: Database.Database;
  try {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    db = new Database(file);
  } catch (err) {
    throw new Error(
      `cannot open the walboard store ${file}: ${(err as Error).message}. Check that dataDir in walboard.yaml points to a folder the controller's user can write.`,
    );
  }
  try {
    // WAL: the chart's reads never wait for the once-a-second write. NORMAL is durable across
    // an application crash and only risks the last commits on power loss — fine for history.
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('busy_timeout = 2000');
    db.pragma('foreign_keys = ON');
    // After a checkpoint the -wal file shrinks back to 4 MiB at most instead of keeping its peak size.
    db.pragma('journal_size_limit = 4194304');
    migrate(db, migrations);
  } catch (err) {
    db.close();
    throw err;
  }
  const lag = new LagStore(db);
  return {
    file,
    lag,
    audit: new AuditStore(db),
    db,
    appliedMigrations: () =>
      db
        .prepare<[], { id: number }>('SELECT id FROM schema_migrations ORDER BY id')
        .all()
        .map((r) => r.id),
    sizeBytes: () => {
      const pages = Number(db.pragma('page_count', { simple: true }));
      const free = Number(db.pragma('freelist_count', { simple: true }));
      return (pages - free) * Number(db.pragma('page_size', { simple: true }));
    },
    close: () => {
      if (db.open) db.close();
    },
  };
}

/** Applies, in order and each in its own transaction, the migrations this file has not seen. */
function migrate(db: Database.Database, migrations: readonly Migration[]): void {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    id         INTEGER PRIMARY KEY,
    name       TEXT    NOT NULL,
    applied_at TEXT    NOT NULL
  )`);
  const applied = new Set(
    db
      .prepare<[], { id: number }>('SELECT id FROM schema_migrations')
      .all()
      .map((r) => r.id),
  );
  const known = new Set(migrations.map((m) => m.id));
  const unknown = [...applied].filter((id) => !known.has(id));
  if (unknown.length > 0) {
    throw new Error(
      `the walboard store ${db.name} has migrations this version does not know (${unknown.join(', ')}): it was written by a newer walboard. Run that version, or point dataDir to another folder.`,
    );
  }
  const record = db.prepare('INSERT INTO schema_migrations (id, name, applied_at) VALUES (?, ?, ?)');
  for (const m of [...migrations].sort((a, b) => a.id - b.id)) {
    if (applied.has(m.id)) continue;
    db.transaction(() => {
      db.exec(m.sql);
      record.run(m.id, m.name, new Date().toISOString());
    })();
  }
}
