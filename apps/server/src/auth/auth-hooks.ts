import { timingSafeEqual } from 'node:crypto';
import { CSRF_HEADER, roleAtLeast, SESSION_COOKIE, type UserRole } from '@walboard/shared/auth';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AuditLog } from '../audit/audit-log.ts';
import { ErrorCodes, HttpError } from '../http/errors.ts';
import { canSeeCluster } from './actor.ts';
import { foreignOriginMessage, sameOrigin } from './origin.ts';
import type { Sessions } from './sessions.ts';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * `application/json`, optionally with `; charset=utf-8` — nothing else. A cross-site page can
 * only send text/plain, form or multipart bodies without a preflight; odd spellings
 * ("application/json, text/plain", "text/plain; application/json") are refused too.
 */
const JSON_ONLY = /^application\/json\s*(;\s*charset\s*=\s*"?utf-8"?\s*)?$/i;

export function isJsonContentType(header: string | undefined): boolean {
  return header !== undefined && JSON_ONLY.test(header.trim());
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export interface ScopeDeps {
  sessions: Sessions;
  audit: AuditLog;
  /** A token accepted as `Authorization: Bearer …` on GETs of this scope (Prometheus scrapers). */
  bearerToken?: string | undefined;
  /** Served over TLS: our page's origin is https://…, and only that one may send changes. */
  secure: boolean;
}

/** The actor of a scraper that presented the metrics token: sees every cluster, changes nothing. */
const SCRAPER = { username: 'metrics-token', role: 'viewer', clusters: null, sessionId: '' } as const;

/**
 * One authenticated scope: every route registered inside `routes` needs a live session with at
 * least `role`; mutations also need `application/json` and the session's CSRF token; a
 * `:cluster` parameter must be a cluster the user may see. Access is decided by which scope a
 * route is registered in — never by looking at its URL.
 */
export function roleScope(
  role: UserRole,
  deps: ScopeDeps,
  routes: (scope: FastifyInstance) => Promise<void>,
): (app: FastifyInstance) => Promise<void> {
  return async (scope) => {
    // Each route says which scope it sits in: the OpenAPI test checks it against the description.
    scope.addHook('onRoute', (r) => {
      r.config = { ...r.config, access: role };
    });
    scope.addHook('onRequest', async (req: FastifyRequest) => {
      const auth = req.headers.authorization;
      if (deps.bearerToken && req.method === 'GET' && auth?.startsWith('Bearer ')) {
        if (!sameSecret(auth.slice(7), deps.bearerToken)) {
          throw new HttpError(401, ErrorCodes.unauthenticated, 'wrong bearer token');
        }
        req.actor = { ...SCRAPER };
        return;
      }
      const session = deps.sessions.resolve(req.cookies[SESSION_COOKIE]);
      if (!session) {
        throw new HttpError(401, ErrorCodes.unauthenticated, 'sign in first: no valid session');
      }
      req.actor = session.actor;
      const mutation = !SAFE_METHODS.has(req.method);
      if (mutation) {
        // Browsers send Origin with every change: one that is not our page's is refused before
        // anything else, even with the right cookie (another port on 127.0.0.1 is the same site).
        if (!sameOrigin(req.headers.origin, req.headers.host, deps.secure)) {
          const message = foreignOriginMessage(req.headers.origin, req.headers.host, deps.secure);
          deps.audit.record({
            req,
            action: 'request.refused',
            target: `${req.method} ${req.routeOptions.url ?? req.url}`,
            detail: { origin: req.headers.origin ?? null },
            result: 'refused',
            message,
          });
          throw new HttpError(403, ErrorCodes.foreignOrigin, message);
        }
        if (!isJsonContentType(req.headers['content-type'])) {
          deps.audit.record({
            req,
            action: 'request.refused',
            target: `${req.method} ${req.routeOptions.url ?? req.url}`,
            detail: { contentType: req.headers['content-type'] ?? null },
            result: 'refused',
            message: 'mutation without Content-Type: application/json',
          });
          throw new HttpError(
            415,
            ErrorCodes.jsonOnly,
            'changes are accepted only as Content-Type: application/json',
          );
        }
        const sent = req.headers[CSRF_HEADER];
        if (typeof sent !== 'string' || !sameSecret(sent, session.csrfToken)) {
          deps.audit.record({
            req,
            action: 'request.refused',
            target: `${req.method} ${req.routeOptions.url ?? req.url}`,
            result: 'refused',
            message: `missing or wrong ${CSRF_HEADER} header`,
          });
          throw new HttpError(
            403,
            ErrorCodes.csrf,
            `missing or wrong ${CSRF_HEADER} header: reload the page and try again`,
          );
        }
      }
      if (!roleAtLeast(session.actor.role, role)) {
        if (mutation) {
          deps.audit.record({
            req,
            action: 'request.refused',
            target: `${req.method} ${req.routeOptions.url ?? req.url}`,
            result: 'refused',
            message: `needs role ${role}; ${session.actor.username} is ${session.actor.role}`,
          });
        }
        throw new HttpError(
          403,
          ErrorCodes.forbidden,
          `this needs the ${role} role; you are signed in as ${session.actor.username} (${session.actor.role})`,
        );
      }
      const cluster = (req.params as Record<string, unknown> | undefined)?.cluster;
      if (typeof cluster === 'string' && !canSeeCluster(session.actor, cluster)) {
        throw new HttpError(403, ErrorCodes.forbidden, `you may not see cluster "${cluster}"`);
      }
    });
    await routes(scope);
  };
}
