import type { User, UserRole } from '@walboard/shared/auth';
import type Database from 'better-sqlite3';

interface Row {
  username: string;
  role: UserRole;
  clusters: string | null;
  password_hash: string;
  created_at: string;
  updated_at: string;
}

const toUser = (r: Row): User => ({
  username: r.username,
  role: r.role,
  clusters: r.clusters === null ? null : (JSON.parse(r.clusters) as string[]),
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

/** Local users. The hash never leaves this module except to the password check. */
export class UserStore {
  constructor(private readonly db: Database.Database) {}

  count(): number {
    return this.db.prepare<[], { n: number }>('SELECT count(*) AS n FROM users').get()?.n ?? 0;
  }

  list(): User[] {
    return this.db.prepare<[], Row>('SELECT * FROM users ORDER BY username').all().map(toUser);
  }

  get(username: string): User | null {
    const r = this.db.prepare<[string], Row>('SELECT * FROM users WHERE username = ?').get(username);
    return r ? toUser(r) : null;
  }

  passwordHash(username: string): string | null {
    return (
      this.db
        .prepare<[string], { password_hash: string }>('SELECT password_hash FROM users WHERE username = ?')
        .get(username)?.password_hash ?? null
    );
  }

  /** false when the name is taken. */
  create(u: { username: string; role: UserRole; clusters: string[] | null; passwordHash: string }): boolean {
    const now = new Date().toISOString();
    const r = this.db
      .prepare(
        'INSERT INTO users (username, role, clusters, password_hash, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (username) DO NOTHING',
      )
      .run(
        u.username,
        u.role,
        u.clusters === null ? null : JSON.stringify(u.clusters),
        u.passwordHash,
        now,
        now,
      );
    return r.changes === 1;
  }

  update(
    username: string,
    change: { role?: UserRole; clusters?: string[] | null; passwordHash?: string },
  ): User | null {
    const cur = this.db.prepare<[string], Row>('SELECT * FROM users WHERE username = ?').get(username);
    if (!cur) return null;
    const clusters =
      change.clusters === undefined
        ? cur.clusters
        : change.clusters === null
          ? null
          : JSON.stringify(change.clusters);
    this.db
      .prepare(
        'UPDATE users SET role = ?, clusters = ?, password_hash = ?, updated_at = ? WHERE username = ?',
      )
      .run(
        change.role ?? cur.role,
        clusters,
        change.passwordHash ?? cur.password_hash,
        new Date().toISOString(),
        username,
      );
    return this.get(username);
  }

  delete(username: string): boolean {
    return this.db.prepare('DELETE FROM users WHERE username = ?').run(username).changes === 1;
  }

  /** Admins left besides `except`: the last admin cannot be removed or demoted. */
  otherAdmins(except: string): number {
    return (
      this.db
        .prepare<[string], { n: number }>(
          "SELECT count(*) AS n FROM users WHERE role = 'admin' AND username <> ?",
        )
        .get(except)?.n ?? 0
    );
  }
}
