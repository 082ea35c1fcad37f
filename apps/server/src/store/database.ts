import { chmodSync, closeSync, existsSync, mkdirSync, openSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { isMainThread } from 'node:worker_threads';
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

/** The store's files: the database, its write-ahead log and its shared-memory index. */
const STORE_SUFFIXES = ['', '-wal', '-shm'] as const;

/**
 * The store holds password hashes and session tokens: its folder must not let other local users
 * swap or add files (group/other write), whoever created it and whatever the umask was.
 * Throws naming the folder, what is wrong and the command that fixes it.
 */
export function checkDataDir(dataDir: string): void {
  const st = statSync(dataDir);
  if (!st.isDirectory()) {
    throw new Error(
      `the walboard data folder ${dataDir} is not a folder: point dataDir in walboard.yaml to a folder (walboard creates it with mode 0700 when missing).`,
    );
  }
  const mode = st.mode & 0o777;
  if ((mode & 0o022) !== 0) {
    const who = [(mode & 0o020) !== 0 ? 'its group' : null, (mode & 0o002) !== 0 ? 'other users' : null]
      .filter((w) => w !== null)
      .join(' and ');
    throw new Error(
      `the walboard data folder ${dataDir} is writable by ${who} (mode ${mode.toString(8).padStart(4, '0')}): ` +
        `another local user could replace the store holding password hashes and sessions. Run \`chmod 700 ${dataDir}\` and start walboard again.`,
    );
  }
}

/** Opens the database file with the process umask at 077, so SQLite's -wal and -shm are born 0600. */
function openPrivate(file: string): Database.Database {
  // Created empty and 0600 before SQLite sees it; an existing file is narrowed to 0600 too.
  if (!existsSync(file)) closeSync(openSync(file, 'a', 0o600));
  chmodSync(file, 0o600);
  // process.umask cannot be changed from a worker thread; there the chmods below still hold
  // (SQLite also gives -wal and -shm the mode of the database file).
  const previous = isMainThread ? process.umask(0o077) : null;
  let db: Database.Database;
  try {
    db = new Database(file);
    try {
      // WAL is switched on here, under the narrow umask: SQLite creates -wal and -shm now.
      db.pragma('journal_mode = WAL');
    } catch (err) {
      db.close();
      throw err;
    }
  } finally {
    if (previous !== null) process.umask(previous);
  }
  // Files left by an older walboard (or created by SQLite with its own default mode) are narrowed.
  for (const suffix of STORE_SUFFIXES) {
    if (existsSync(file + suffix)) chmodSync(file + suffix, 0o600);
  }
  return db;
}

/**
 * Opens (creating if needed) `<dataDir>/walboard.db` in WAL mode and applies pending migrations.
 * The folder is created 0700 when missing and refused when group or others may write to it;
 * walboard.db, -wal and -shm are 0600 whatever the folder and umask.
 * Throws with the path and the next thing to try when the folder or file cannot be used.
 */
export function openStore(dataDir: string, migrations: readonly Migration[] = MIGRATIONS): WalboardStore {
  const file = join(dataDir, STORE_FILE);
  try {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  } catch (err) {
    throw new Error(
      `cannot create the walboard data folder ${dataDir}: ${(err as Error).message}. Check that dataDir in walboard.yaml points to a folder the controller's user can write.`,
    );
  }
  checkDataDir(dataDir);
  let db: Database.Database;
  try {
    db = openPrivate(file);
  } catch (err) {
    throw new Error(
      `cannot open the walboard store ${file}: ${(err as Error).message}. Check that dataDir in walboard.yaml points to a folder the controller's user can write.`,
    );
  }
  try {
    // WAL: the chart's reads never wait for the once-a-second write. NORMAL is durable across
    // an application crash and only risks the last commits on power loss — fine for history.
    // (journal_mode = WAL is set in openPrivate, under the narrow umask.)
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
