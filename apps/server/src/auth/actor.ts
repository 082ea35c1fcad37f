import type { UserRole } from '@walboard/shared/auth';
import type { FastifyRequest } from 'fastify';

/** Who is making a request: set by the auth hooks from the session cookie, null when nobody is. */
export interface Actor {
  username: string;
  role: UserRole;
  /** Clusters this user may see; null means all. */
  clusters: string[] | null;
  /** SHA-256 of the session token (to end this session, or find its sockets). */
  sessionId: string;
}

declare module 'fastify' {
  interface FastifyRequest {
    actor: Actor | null;
  }
}

export function canSeeCluster(actor: Pick<Actor, 'clusters'>, cluster: string): boolean {
  return actor.clusters === null || actor.clusters.includes(cluster);
}

/**
 * The client's address. Fastify computes `req.ip`: the TCP peer, unless that peer is one of the
 * `trustProxy` addresses of walboard.yaml — then the rightmost X-Forwarded-For address that is
 * not a trusted proxy. With no trustProxy the header is ignored, so it cannot be forged.
 */
export function clientAddress(req: Pick<FastifyRequest, 'ip'>): string {
  return req.ip || 'unknown';
}

/** Fastify's trustProxy option from walboard.yaml's list: false (trust no header) when empty. */
export function trustProxyOption(trusted: readonly string[]): string[] | false {
  return trusted.length > 0 ? [...trusted] : false;
}

/** The actor of a route inside an authenticated scope, where the hooks guarantee one. */
export function requireActor(req: FastifyRequest): Actor {
  if (!req.actor) throw new Error('route registered outside an authenticated scope');
  return req.actor;
}
