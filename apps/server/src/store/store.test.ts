import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore, STORE_FILE } from './database.ts';
import { MIGRATIONS, type Migration } from './migrations.ts';

describe('walboard store (SQLite)', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'walboard-store-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('creates the data folder and walboard.db in WAL mode', () => {
    const dataDir = join(dir, 'nested', 'state');
    const store = openStore(dataDir);
    try {
      expect(store.file).toBe(join(dataDir, STORE_FILE));
      expect(existsSync(store.file)).toBe(true);
      expect(store.appliedMigrations()).toEqual(MIGRATIONS.map((m) => m.id));
    } finally {
      store.close();
    }
    // Read back with a separate connection: the mode is a property of the file.
    const raw = new Database(join(dataDir, STORE_FILE), { readonly: true });
    try {
      expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
      const tables = raw
        .prepare<[], { name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        .all()
        .map((r) => r.name);
      expect(tables).toEqual([
        'audit',
        'host_keys',
        'lab_progress',
        'lag_samples',
        'login_devices',
        'operations',
        'schema_migrations',
        'sessions',
        'sqlite_sequence',
        'users',
      ]);
    } finally {
      raw.close();
    }
  });

  it('applies migrations once: reopening keeps the data and runs nothing again', () => {
    const dataDir = join(dir, 'reopen');
    const first = openStore(dataDir);
    first.lag.write(
      [{ cluster: 'lab', standby: 'h2', t: 1_000_000, replayBytes: 42, replaySeconds: 0.5 }],
      1_000_000,
    );
    first.close();

    const second = openStore(dataDir);
    try {
      expect(second.appliedMigrations()).toEqual(MIGRATIONS.map((m) => m.id));
      expect(second.lag.points('lab', 'h2', '15m', 1_000_500)).toEqual([
        { t: 1_000_000, replayBytes: 42, replaySeconds: 0.5 },
      ]);
    } finally {
      second.close();
    }
    const raw = new Database(join(dataDir, STORE_FILE), { readonly: true });
    try {
      const n = raw.prepare<[], { n: number }>('SELECT count(*) AS n FROM schema_migrations').get();
      expect(n?.n).toBe(MIGRATIONS.length);
    } finally {
      raw.close();
    }
  });

  it('runs a later migration on an existing file, exactly once', () => {
    const dataDir = join(dir, 'later');
    openStore(dataDir).close();
    const later: Migration[] = [
      ...MIGRATIONS,
      { id: 100, name: 'later', sql: 'CREATE TABLE later (name TEXT PRIMARY KEY)' },
    ];
    openStore(dataDir, later).close();
    const again = openStore(dataDir, later); // would fail with "table users already exists" if rerun
    try {
      expect(again.appliedMigrations()).toEqual([...MIGRATIONS.map((m) => m.id), 100]);
    } finally {
      again.close();
    }
  });

  it('rolls back a failing migration, leaving it unrecorded', () => {
    const dataDir = join(dir, 'broken');
    const broken: Migration[] = [
      ...MIGRATIONS,
      { id: 100, name: 'half done', sql: 'CREATE TABLE a (x INTEGER); CREATE TABLE a (y INTEGER);' },
    ];
    expect(() => openStore(dataDir, broken)).toThrow(/already exists/);
    const store = openStore(dataDir);
    try {
      expect(store.appliedMigrations()).toEqual(MIGRATIONS.map((m) => m.id));
    } finally {
      store.close();
    }
    const raw = new Database(join(dataDir, STORE_FILE), { readonly: true });
    try {
      const a = raw.prepare("SELECT name FROM sqlite_master WHERE name = 'a'").get();
      expect(a).toBeUndefined();
    } finally {
      raw.close();
    }
  });

  it('refuses a file written by a newer walboard, saying what to do', () => {
    const dataDir = join(dir, 'newer');
    openStore(dataDir, [
      ...MIGRATIONS,
      { id: 700, name: 'future', sql: 'CREATE TABLE future (x INTEGER)' },
    ]).close();
    expect(() => openStore(dataDir)).toThrow(/newer walboard.*\(700\)|\(700\).*newer walboard/);
  });

  it('names the path and the dataDir setting when the folder cannot be created', async () => {
    const file = join(dir, 'a-file');
    await writeFile(file, 'not a folder');
    expect(() => openStore(join(file, 'state'))).toThrow(
      new RegExp(`cannot create the walboard data folder ${join(file, 'state')}.*dataDir`),
    );
  });
});
