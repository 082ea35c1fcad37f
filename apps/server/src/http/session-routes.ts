import { DEVICE_COOKIE, loginBodySchema, SESSION_COOKIE, type SessionInfo } from '@walboard/shared/auth';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AuditLog } from '../audit/audit-log.ts';
import type { RefusalWindows } from '../audit/refusal-window.ts';
import { clientAddress, requireActor } from '../auth/actor.ts';
import { isJsonContentType } from '../auth/auth-hooks.ts';
import { DEVICE_MAX_AGE_MS, type Devices } from '../auth/devices.ts';
import type { LoginAttempt, LoginLimiter } from '../auth/login-limiter.ts';
import { dummyHash, verifyPassword } from '../auth/passwords.ts';
import type { Sessions } from '../auth/sessions.ts';
import type { UserStore } from '../store/user-store.ts';
import { ErrorCodes, HttpError } from './errors.ts';

export interface SessionRouteDeps {
  sessions: Sessions;
  users: UserStore;
  limiter: LoginLimiter;
  /** Device cookies of browsers that signed in before. */
  devices: Devices;
  audit: AuditLog;
  /** Refused sign-ins while a limit is engaged: one audit row per source (or account) per window. */
  refusals: RefusalWindows;
  /** Served over TLS: the cookie is marked Secure. */
  secure: boolean;
  /** The lab's admin, signed in without a password from 127.0.0.1 only; null when off. */
  labAutoLogin: { username: string } | null;
}

const LOOPBACK_ADDR = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);
// DNS rebinding: a foreign site that resolves its name to 127.0.0.1 reaches us with its own Host.
const LOOPBACK_HOST = /^(127\.0\.0\.1|localhost|\[::1\])(:\d{1,5})?$/i;

function setCookie(reply: FastifyReply, token: string, deps: SessionRouteDeps): void {
  reply.setCookie(SESSION_COOKIE, token, {
    httpOnly: true,
    sameSite: 'strict',
    secure: deps.secure,
    path: '/',
  });
}

/** Long-lived and only sent to the sign-in route: it is of no use anywhere else. */
function setDeviceCookie(reply: FastifyReply, token: string, deps: SessionRouteDeps): void {
  reply.setCookie(DEVICE_COOKIE, token, {
    httpOnly: true,
    sameSite: 'strict',
    secure: deps.secure,
    path: '/api/session',
    maxAge: Math.floor(DEVICE_MAX_AGE_MS / 1000),
  });
}

/** Public: GET and POST /session (login). */
export async function sessionPublicRoutes(app: FastifyInstance, deps: SessionRouteDeps): Promise<void> {
  app.get('/session', async (req, reply): Promise<SessionInfo> => {
    const live = deps.sessions.resolve(req.cookies[SESSION_COOKIE]);
    if (live) return deps.sessions.info(live);
    if (deps.labAutoLogin && isLabBrowser(req)) {
      const { token, info } = deps.sessions.create(deps.labAutoLogin.username, clientAddress(req), true);
      setCookie(reply, token, deps);
      deps.audit.record({
        actor: { username: info.username },
        source: clientAddress(req),
        action: 'login',
        target: info.username,
        detail: { autoLogin: true },
        result: 'ok',
        message: 'signed in automatically (embedded lab, 127.0.0.1 only)',
      });
      return info;
    }
    throw new HttpError(401, ErrorCodes.unauthenticated, 'sign in first: no valid session');
  });

  app.post('/session', async (req, reply): Promise<SessionInfo> => {
    const source = clientAddress(req);
    // Login has no CSRF token yet: JSON-only bodies (and the SameSite cookie) keep cross-site forms out.
    if (!isJsonContentType(req.headers['content-type'])) {
      throw new HttpError(415, ErrorCodes.jsonOnly, 'sign in with Content-Type: application/json');
    }
    const body = loginBodySchema.safeParse(req.body);
    if (!body.success) {
      throw new HttpError(400, ErrorCodes.badRequest, 'give username and password');
    }
    const { username, password } = body.data;
    const deviceToken = req.cookies[DEVICE_COOKIE];
    const attempt: LoginAttempt = {
      address: source,
      username,
      device: deps.devices.validFor(deviceToken, username),
    };
    const admission = deps.limiter.admit(attempt);
    if (admission.limit !== null) {
      const { wait, limit } = admission;
      const target = username.slice(0, 63);
      // The account backoff is one row per account (its attackers come from many addresses);
      // the address limits one row per address.
      deps.refusals.refuse(limit === 'account' ? `account|${target}` : `address|${source}`, source, {
        req,
        action: 'login',
        target: limit === 'account' ? target : null,
        detail: { limit, username: target },
        result: 'refused',
        message:
          limit === 'account'
            ? `too many failed sign-ins for ${target} (from any address): refused with retry in ${wait} s`
            : `too many failed sign-ins from ${source}: refused with retry in ${wait} s`,
      });
      reply.header('retry-after', String(wait));
      throw new HttpError(
        429,
        ErrorCodes.rateLimited,
        limit === 'account'
          ? `too many failed sign-ins for this user: try again in ${wait} s`
          : `too many failed sign-ins from your address: try again in ${wait} s`,
      );
    }
    const hash = deps.users.passwordHash(username);
    const ok = await verifyPassword(password, hash ?? (await dummyHash()));
    if (!ok || !hash) {
      // Already counted by admit().
      deps.audit.record({
        req,
        action: 'login',
        target: username.slice(0, 63),
        detail: { knownDevice: attempt.device !== null },
        result: 'refused',
        message: 'wrong user name or password',
      });
      throw new HttpError(401, ErrorCodes.badLogin, 'wrong user name or password');
    }
    deps.limiter.succeed(attempt);
    const { token, info } = deps.sessions.create(username, source, false);
    setCookie(reply, token, deps);
    setDeviceCookie(reply, deps.devices.remember(deviceToken, username), deps);
    deps.audit.record({
      actor: { username },
      source,
      action: 'login',
      target: username,
      result: 'ok',
      message: 'signed in',
    });
    return info;
  });
}

/** Any signed-in user: DELETE /session (logout). */
export async function sessionRoutes(app: FastifyInstance, deps: SessionRouteDeps): Promise<void> {
  app.delete('/session', async (req, reply) => {
    const actor = requireActor(req);
    deps.sessions.end(actor.sessionId, 'logout');
    reply.clearCookie(SESSION_COOKIE, { path: '/' });
    deps.audit.record({ req, action: 'logout', target: actor.username, result: 'ok', message: 'signed out' });
    return reply.status(204).send();
  });
}

function isLabBrowser(req: FastifyRequest): boolean {
  return LOOPBACK_ADDR.has(clientAddress(req)) && LOOPBACK_HOST.test(req.headers.host ?? '');
}
