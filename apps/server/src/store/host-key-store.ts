import type Database from 'better-sqlite3';

/** A host key an admin pinned from walboard; it wins over ssh.hostKey in walboard.yaml. */
export interface StoredHostKey {
  cluster: string;
  node: string;
  fingerprint: string;
  /** Username of the admin who pinned it. */
  pinnedBy: string;
  /** ISO time. */
  pinnedAt: string;
}

interface Row {
  cluster: string;
  node: string;
  fingerprint: string;
  pinned_by: string;
  pinned_at: string;
}

const fromRow = (r: Row): StoredHostKey => ({
  cluster: r.cluster,
  node: r.node,
  fingerprint: r.fingerprint,
  pinnedBy: r.pinned_by,
  pinnedAt: r.pinned_at,
});

/** The host_keys table: one pin per (cluster, node); pinning again replaces it. */
export class HostKeyStore {
  private readonly selectOne: Database.Statement<[string, string], Row>;
  private readonly selectAll: Database.Statement<[], Row>;
  private readonly upsert: Database.Statement<[string, string, string, string, string]>;

  constructor(db: Database.Database) {
    this.selectOne = db.prepare('SELECT * FROM host_keys WHERE cluster = ? AND node = ?');
    this.selectAll = db.prepare('SELECT * FROM host_keys ORDER BY cluster, node');
    this.upsert = db.prepare(`
      INSERT INTO host_keys (cluster, node, fingerprint, pinned_by, pinned_at) VALUES (?, ?, ?, ?, ?)
      ON CONFLICT (cluster, node) DO UPDATE SET
        fingerprint = excluded.fingerprint, pinned_by = excluded.pinned_by, pinned_at = excluded.pinned_at`);
  }

  get(cluster: string, node: string): StoredHostKey | null {
    const r = this.selectOne.get(cluster, node);
    return r ? fromRow(r) : null;
  }

  list(): StoredHostKey[] {
    return this.selectAll.all().map(fromRow);
  }

  set(k: StoredHostKey): void {
    this.upsert.run(k.cluster, k.node, k.fingerprint, k.pinnedBy, k.pinnedAt);
  }
}
