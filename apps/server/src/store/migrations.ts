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
];
