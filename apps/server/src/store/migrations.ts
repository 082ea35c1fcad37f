/**
 * The store's schema, as an ordered list of migrations. Each runs once, in its own transaction,
 * and is recorded in `schema_migrations`. Later features (users, audit log, operations) append
 * entries here; an entry that has shipped is never edited, only followed by a new one.
 */
export interface Migration {
  /** Strictly increasing; the order they run in. */
  id: number;
  name: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    id: 1,
    name: 'lag history',
    // One table for all resolutions: `step_ms` is 1000, 10000 or 60000 and `t` the start of the
    // sample's bucket. WITHOUT ROWID: the primary key is the lookup order of the chart's query,
    // so a point costs one b-tree entry. The (step_ms, t) index serves the pruning range delete.
    sql: `
      CREATE TABLE lag_samples (
        cluster        TEXT    NOT NULL,
        standby        TEXT    NOT NULL,
        step_ms        INTEGER NOT NULL,
        t              INTEGER NOT NULL,
        replay_bytes   REAL,
        replay_seconds REAL,
        PRIMARY KEY (cluster, standby, step_ms, t)
      ) WITHOUT ROWID;
      CREATE INDEX lag_samples_by_age ON lag_samples (step_ms, t);
    `,
  },
  {
    id: 2,
    name: 'users, sessions, audit log, host keys',
    // Sessions keep only a SHA-256 of their token: a copy of this file signs nobody in.
    // audit is append-only; its id orders it (times can repeat within a millisecond).
    sql: `
      CREATE TABLE users (
        username      TEXT PRIMARY KEY,
        role          TEXT NOT NULL CHECK (role IN ('viewer', 'operator', 'admin')),
        clusters      TEXT,
        password_hash TEXT NOT NULL,
        created_at    TEXT NOT NULL,
        updated_at    TEXT NOT NULL
      );
      CREATE TABLE sessions (
        token_hash  TEXT PRIMARY KEY,
        username    TEXT NOT NULL REFERENCES users (username) ON DELETE CASCADE,
        csrf_token  TEXT NOT NULL,
        auto_login  INTEGER NOT NULL DEFAULT 0,
        source      TEXT NOT NULL,
        created_at  INTEGER NOT NULL,
        last_seen   INTEGER NOT NULL,
        expires_at  INTEGER NOT NULL
      );
      CREATE INDEX sessions_by_user ON sessions (username);
      CREATE TABLE audit (
        id       INTEGER PRIMARY KEY AUTOINCREMENT,
        at       TEXT NOT NULL,
        username TEXT,
        source   TEXT NOT NULL,
        action   TEXT NOT NULL,
        target   TEXT,
        detail   TEXT NOT NULL,
        result   TEXT NOT NULL CHECK (result IN ('ok', 'refused', 'failed')),
        message  TEXT NOT NULL
      );
      CREATE INDEX audit_by_action ON audit (action, id);
      CREATE TABLE host_keys (
        cluster     TEXT NOT NULL,
        node        TEXT NOT NULL,
        fingerprint TEXT NOT NULL,
        pinned_by   TEXT NOT NULL,
        pinned_at   TEXT NOT NULL,
        PRIMARY KEY (cluster, node)
      );
    `,
  },
  {
    id: 3,
    name: 'operations',
    // One row per operation; steps (with their output) as JSON, rewritten as the operation runs.
    sql: `
      CREATE TABLE operations (
        id           TEXT PRIMARY KEY,
        cluster      TEXT NOT NULL,
        node         TEXT NOT NULL,
        type         TEXT NOT NULL,
        params       TEXT NOT NULL,
        requested_by TEXT NOT NULL,
        state        TEXT NOT NULL,
        created_at   TEXT NOT NULL,
        finished_at  TEXT,
        message      TEXT NOT NULL,
        steps        TEXT NOT NULL
      );
      CREATE INDEX operations_by_cluster ON operations (cluster, created_at);
    `,
  },
  {
    id: 4,
    name: 'operation extras',
    // What operations learned to say later (phases, promotion result, next action, cancel asked),
    // as one JSON object: new optional fields need no new column.
    sql: `ALTER TABLE operations ADD COLUMN extra TEXT NOT NULL DEFAULT '{}';`,
  },
  {
    id: 5,
    name: 'sign-in devices',
    // Browsers that signed in before (the device cookie): only the SHA-256 of the cookie's token
    // is kept, with its user. It lets that browser past the per-address sign-in limit.
    sql: `
      CREATE TABLE login_devices (
        token_hash TEXT PRIMARY KEY,
        username   TEXT NOT NULL REFERENCES users (username) ON DELETE CASCADE,
        created_at INTEGER NOT NULL,
        last_used  INTEGER NOT NULL
      );
      CREATE INDEX login_devices_by_user ON login_devices (username);
      CREATE INDEX audit_by_time ON audit (at);
    `,
  },
  {
    id: 6,
    name: 'guided lab progress',
    // One row per cluster: the lab's pair of nodes, when this run of the lab began, and each
    // step's last Check (JSON): a student who comes back, or another watching, sees the same.
    sql: `
      CREATE TABLE lab_progress (
        cluster    TEXT PRIMARY KEY,
        pair       TEXT NOT NULL,
        since      TEXT NOT NULL,
        checks     TEXT NOT NULL,
        updated_at TEXT
      );
    `,
  },
];
