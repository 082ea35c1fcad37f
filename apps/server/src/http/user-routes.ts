import { apiRoutes } from '@walboard/shared/api-routes';
import { roleAtLeast, type User, usernameSchema } from '@walboard/shared/auth';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import type { AuditLog } from '../audit/audit-log.ts';
import { requireActor } from '../auth/actor.ts';
import { hashPassword } from '../auth/passwords.ts';
import type { Sessions } from '../auth/sessions.ts';
import type { AuditStore } from '../store/audit-store.ts';
import type { UserStore } from '../store/user-store.ts';
import { ErrorCodes, HttpError } from './errors.ts';
import { serveRoute } from './openapi-route.ts';

export interface UserRouteDeps {
  users: UserStore;
  sessions: Sessions;
  audit: AuditLog;
  auditStore: AuditStore;
}

/** Validates a body; a refusal is audited with the field that failed, then answered 400. */
function parseOrRefuse<S extends z.ZodType>(
  schema: S,
  body: unknown,
  req: FastifyRequest,
  deps: UserRouteDeps,
  action: string,
  target: string | null,
): z.infer<S> {
  const r = schema.safeParse(body);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  const where = issue?.path.join('.') || 'body';
  const message = `${where}: ${issue?.message ?? 'invalid'}`;
  deps.audit.record({ req, action, target, result: 'refused', message, detail: { field: where } });
  throw new HttpError(400, ErrorCodes.badRequest, message);
}

/** Does this change take something away: a lower role, or a cluster list that drops one? */
export function reducesAccess(
  current: Pick<User, 'role' | 'clusters'>,
  change: { role?: User['role'] | undefined; clusters?: User['clusters'] | undefined },
): boolean {
  if (change.role && !roleAtLeast(change.role, current.role)) return true;
  if (change.clusters === undefined) return false;
  // null means every cluster: only null keeps it; from a list, any name dropped is a reduction.
  if (change.clusters === null) return false;
  if (current.clusters === null) return true;
  return current.clusters.some((c) => !change.clusters?.includes(c));
}

function userParam(req: FastifyRequest): string {
  const name = usernameSchema.safeParse((req.params as { username?: unknown }).username);
  if (!name.success) throw new HttpError(404, ErrorCodes.noUser, 'no such user');
  return name.data;
}

/** Admin only: users and the audit log. */
export async function adminRoutes(app: FastifyInstance, deps: UserRouteDeps): Promise<void> {
  serveRoute(app, apiRoutes.users, async (): Promise<User[]> => deps.users.list());

  serveRoute(app, apiRoutes.createUser, async (req, reply): Promise<User> => {
    const body = parseOrRefuse(apiRoutes.createUser.body, req.body, req, deps, 'user.create', null);
    const created = deps.users.create({
      username: body.username,
      role: body.role,
      clusters: body.clusters,
      passwordHash: await hashPassword(body.password),
    });
    if (!created) {
      deps.audit.record({
        req,
        action: 'user.create',
        target: body.username,
        result: 'refused',
        message: 'user name taken',
      });
      throw new HttpError(409, ErrorCodes.conflict, `a user named "${body.username}" already exists`);
    }
    deps.audit.record({
      req,
      action: 'user.create',
      target: body.username,
      detail: { role: body.role, clusters: body.clusters },
      result: 'ok',
      message: `created ${body.username} (${body.role})`,
    });
    reply.status(201);
    return deps.users.get(body.username) as User;
  });

  serveRoute(app, apiRoutes.updateUser, async (req): Promise<User> => {
    const username = userParam(req);
    const body = parseOrRefuse(apiRoutes.updateUser.body, req.body, req, deps, 'user.update', username);
    const actor = requireActor(req);
    const current = deps.users.get(username);
    if (!current) throw new HttpError(404, ErrorCodes.noUser, `no user named "${username}"`);
    if (
      body.role &&
      body.role !== 'admin' &&
      current.role === 'admin' &&
      deps.users.otherAdmins(username) === 0
    ) {
      deps.audit.record({
        req,
        action: 'user.update',
        target: username,
        result: 'refused',
        message: 'last admin',
      });
      throw new HttpError(
        409,
        ErrorCodes.conflict,
        `${username} is the last admin: make another admin first`,
      );
    }
    const updated = deps.users.update(username, {
      ...(body.role ? { role: body.role } : {}),
      ...(body.clusters !== undefined ? { clusters: body.clusters } : {}),
      ...(body.password ? { passwordHash: await hashPassword(body.password) } : {}),
    }) as User;
    // A new password ends the user's other sessions (a stolen one included); the session that made
    // the change stays when it is the user's own. Less access ends them all: a live feed must not
    // keep showing what its user may no longer see.
    if (reducesAccess(current, body)) {
      deps.sessions.endForUser(username, `your access was changed by ${actor.username}: sign in again`);
    } else if (body.password) {
      const keep = username === actor.username ? actor.sessionId : null;
      deps.sessions.endForUser(
        username,
        `your password was changed by ${actor.username}: sign in again`,
        keep,
      );
    }
    deps.audit.record({
      req,
      action: 'user.update',
      target: username,
      detail: {
        ...(body.role ? { role: body.role } : {}),
        ...(body.clusters !== undefined ? { clusters: body.clusters } : {}),
        ...(body.password ? { passwordChanged: true } : {}),
      },
      result: 'ok',
      message: `updated ${username}`,
    });
    return updated;
  });

  serveRoute(app, apiRoutes.deleteUser, async (req, reply) => {
    const username = userParam(req);
    const actor = requireActor(req);
    if (username === actor.username) {
      deps.audit.record({
        req,
        action: 'user.delete',
        target: username,
        result: 'refused',
        message: 'cannot delete yourself',
      });
      throw new HttpError(409, ErrorCodes.conflict, 'you cannot delete your own user');
    }
    if (!deps.users.get(username)) throw new HttpError(404, ErrorCodes.noUser, `no user named "${username}"`);
    deps.sessions.endForUser(username, 'user removed');
    deps.users.delete(username);
    deps.audit.record({
      req,
      action: 'user.delete',
      target: username,
      result: 'ok',
      message: `deleted ${username}`,
    });
    return reply.status(204).send();
  });

  serveRoute(app, apiRoutes.audit, async (req) => {
    const q = apiRoutes.audit.query.safeParse(req.query);
    if (!q.success) {
      throw new HttpError(400, ErrorCodes.badRequest, `audit query: ${q.error.issues[0]?.message}`);
    }
    return { entries: deps.auditStore.list(q.data) };
  });
}
