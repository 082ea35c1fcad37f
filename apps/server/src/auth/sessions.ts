import { createHash, randomBytes } from 'node:crypto';
import type { SessionInfo } from '@walboard/shared/auth';
import type { SessionStore } from '../store/session-store.ts';
import type { UserStore } from '../store/user-store.ts';
import type { Actor } from './actor.ts';

export interface ResolvedSession {
  actor: Actor;
  csrfToken: string;
  autoLogin: boolean;
  expiresAt: number;
}

export interface SessionOptions {
  idleMs: number;
  /** However active, a session ends this long after login. */
  absoluteMs?: number;
}

const ABSOLUTE_MS = 7 * 24 * 3600_000;
/** last_seen is written at most this often: a poll of the page is not a write each time. */
const TOUCH_EVERY_MS = 60_000;

export const sessionIdOf = (token: string): string => createHash('sha256').update(token).digest('hex');

/**
 * Server-side sessions. The cookie holds a random token; the store holds its SHA-256, so ending
 * a session (logout, expiry, user removed) is a row delete and takes effect on the next request.
 */
export class Sessions {
  private readonly ended = new Set<(ids: string[], reason: string) => void>();

  constructor(
    private readonly users: UserStore,
    private readonly store: SessionStore,
    private readonly opts: SessionOptions,
  ) {}

  create(username: string, source: string, autoLogin: boolean): { token: string; info: SessionInfo } {
    const user = this.users.get(username);
    if (!user) throw new Error(`no user "${username}"`);
    const token = randomBytes(32).toString('base64url');
    const now = Date.now();
    const row = {
      token_hash: sessionIdOf(token),
      username,
      csrf_token: randomBytes(32).toString('base64url'),
      auto_login: autoLogin ? 1 : 0,
      source,
      created_at: now,
      last_seen: now,
      expires_at: now + this.opts.idleMs,
    };
    this.store.insert(row);
    return {
      token,
      info: {
        username,
        role: user.role,
        clusters: user.clusters,
        csrfToken: row.csrf_token,
        autoLogin,
        expiresAt: new Date(row.expires_at).toISOString(),
      },
    };
  }

  /** The live session behind a cookie token, or null (unknown, expired, or its user is gone). */
  resolve(token: string | undefined): ResolvedSession | null {
    if (!token || token.length > 256) return null;
    return this.resolveId(sessionIdOf(token));
  }

  resolveId(id: string): ResolvedSession | null {
    const row = this.store.get(id);
    if (!row) return null;
    const now = Date.now();
    if (row.expires_at <= now || row.created_at + (this.opts.absoluteMs ?? ABSOLUTE_MS) <= now) {
      this.end(id, 'expired');
      return null;
    }
    const user = this.users.get(row.username);
    if (!user) return null;
    let expiresAt = row.expires_at;
    if (now - row.last_seen >= TOUCH_EVERY_MS) {
      expiresAt = now + this.opts.idleMs;
      this.store.touch(id, now, expiresAt);
    }
    return {
      actor: { username: user.username, role: user.role, clusters: user.clusters, sessionId: id },
      csrfToken: row.csrf_token,
      autoLogin: row.auto_login === 1,
      expiresAt,
    };
  }

  info(s: ResolvedSession): SessionInfo {
    return {
      username: s.actor.username,
      role: s.actor.role,
      clusters: s.actor.clusters,
      csrfToken: s.csrfToken,
      autoLogin: s.autoLogin,
      expiresAt: new Date(s.expiresAt).toISOString(),
    };
  }

  end(id: string, reason: string): void {
    if (this.store.delete(id)) this.emit([id], reason);
  }

  /**
   * Ends every session of a user (removed, access reduced, password changed), but `exceptId`: the
   * session that changed its own password stays.
   */
  endForUser(username: string, reason: string, exceptId: string | null = null): void {
    const ids = this.store.deleteForUser(username, exceptId);
    if (ids.length > 0) this.emit(ids, reason);
  }

  /**
   * Ends expired sessions (idle or absolute) and tells their sockets: an open live feed must not
   * outlive its session. Run every second.
   */
  sweep(now = Date.now()): string[] {
    const ids = this.store.deleteExpired(now, now - (this.opts.absoluteMs ?? ABSOLUTE_MS));
    if (ids.length > 0) this.emit(ids, 'your session expired: sign in again');
    return ids;
  }

  /** The socket hub listens here to close the sockets of ended sessions. */
  onEnded(cb: (ids: string[], reason: string) => void): () => void {
    this.ended.add(cb);
    return () => this.ended.delete(cb);
  }

  private emit(ids: string[], reason: string): void {
    for (const cb of this.ended) cb(ids, reason);
  }
}
