import { apiRoutes } from '@walboard/shared/api-routes';
import { DEVICE_COOKIE, SESSION_COOKIE, type SessionInfo } from '@walboard/shared/auth';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AuditLog } from '../audit/audit-log.ts';
import type { RefusalWindows } from '../audit/refusal-window.ts';
import { clientAddress, requireActor } from '../auth/actor.ts';
import { isJsonContentType } from '../auth/auth-hooks.ts';
import { DEVICE_MAX_AGE_MS, type Devices } from '../auth/devices.ts';
import type { LabSignInLink } from '../auth/lab-link.ts';
import type { LoginAttempt, LoginLimiter } from '../auth/login-limiter.ts';
import { foreignOriginMessage, sameOrigin } from '../auth/origin.ts';
import { dummyHash, verifyPassword } from '../auth/passwords.ts';
import type { Sessions } from '../auth/sessions.ts';
import type { EventLog } from '../logging/event-log.ts';
import type { UserStore } from '../store/user-store.ts';
import { ErrorCodes, HttpError } from './errors.ts';
import { serveRoute } from './openapi-route.ts';

export interface SessionRouteDeps {
  sessions: Sessions;
  users: UserStore;
  limiter: LoginLimiter;
  /** Device cookies of browsers that signed in before. */
  devices: Devices;
  audit: AuditLog;
  /** Refused sign-ins while a limit is engaged: one audit row per source (or account) per window. */
  refusals: RefusalWindows;
  /** The server log: a line per refused sign-in (user and address, never the password). */
  events?: Pick<EventLog, 'signInRefused'>;
  /** Served over TLS: the cookie is marked Secure. */
  secure: boolean;
  /** The lab's admin, signed in once by the one-time link printed at start; null when off. */
  labAutoLogin: { username: string; link: LabSignInLink } | null;
}

/** Another origin must not sign the browser in (login CSRF): the same check as every change. */
function refuseForeignOrigin(req: FastifyRequest, secure: boolean): void {
  if (sameOrigin(req.headers.origin, req.headers.host, secure)) return;
  throw new HttpError(
    403,
    ErrorCodes.foreignOrigin,
    foreignOriginMessage(req.headers.origin, req.headers.host, secure),
  );
}

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
  serveRoute(app, apiRoutes.sessionGet, async (req): Promise<SessionInfo> => {
    const live = deps.sessions.resolve(req.cookies[SESSION_COOKIE]);
    if (live) return deps.sessions.info(live);
    throw new HttpError(401, ErrorCodes.unauthenticated, 'sign in first: no valid session');
  });

  serveRoute(app, apiRoutes.signIn, async (req, reply): Promise<SessionInfo> => {
    const source = clientAddress(req);
    refuseForeignOrigin(req, deps.secure);
    // Login has no CSRF token yet: JSON-only bodies (and the SameSite cookie) keep cross-site forms out.
    if (!isJsonContentType(req.headers['content-type'])) {
      throw new HttpError(415, ErrorCodes.jsonOnly, 'sign in with Content-Type: application/json');
    }
    const body = apiRoutes.signIn.body.safeParse(req.body);
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
      deps.events?.signInRefused({
        user: deps.users.passwordHash(username) === null ? null : target,
        address: source,
        reason: `too many failed sign-ins ${limit === 'account' ? 'for this user' : 'from this address'}, retry in ${wait} s`,
        limited: true,
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
      deps.events?.signInRefused({
        user: hash ? username : null,
        address: source,
        reason: hash ? 'wrong password' : 'no such user',
        limited: false,
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
  // The lab's one-time link: the page posts the token from its address bar, once. Only the lab
  // has the route at all.
  const lab = deps.labAutoLogin;
  if (lab) registerLabLink(app, deps, lab);
}

function registerLabLink(
  app: FastifyInstance,
  deps: SessionRouteDeps,
  lab: NonNullable<SessionRouteDeps['labAutoLogin']>,
): void {
  serveRoute(app, apiRoutes.signInLink, async (req, reply): Promise<SessionInfo> => {
    const source = clientAddress(req);
    if (!isJsonContentType(req.headers['content-type'])) {
      throw new HttpError(415, ErrorCodes.jsonOnly, 'send the token with Content-Type: application/json');
    }
    refuseForeignOrigin(req, deps.secure);
    const body = apiRoutes.signInLink.body.safeParse(req.body);
    // Wrong links count like wrong passwords of a pseudo-account (every attempt, once admitted).
    const attempt: LoginAttempt = { address: source, username: LINK_USER, device: null };
    const admission = deps.limiter.admit(attempt);
    if (admission.limit !== null) {
      reply.header('retry-after', String(admission.wait));
      throw new HttpError(
        429,
        ErrorCodes.rateLimited,
        `too many wrong sign-in links: try again in ${admission.wait} s`,
      );
    }
    if (!body.success || !lab.link.spend(body.data.token)) {
      const why = lab.link.used
        ? 'this sign-in link was already used (each link signs in one browser, once): sign in with a password, or restart the lab for a new link'
        : 'this sign-in link is not valid: use the one printed by the command that started the lab';
      deps.audit.record({ req, action: 'login', target: LINK_USER, result: 'refused', message: why });
      deps.events?.signInRefused({
        user: LINK_USER,
        address: source,
        reason: lab.link.used ? 'the lab link was already used' : 'not a valid lab link',
        limited: false,
      });
      throw new HttpError(401, ErrorCodes.badLogin, why);
    }
    deps.limiter.succeed(attempt);
    const { token, info } = deps.sessions.create(lab.username, source, true);
    setCookie(reply, token, deps);
    deps.audit.record({
      actor: { username: info.username },
      source,
      action: 'login',
      target: info.username,
      detail: { autoLogin: true },
      result: 'ok',
      message: "signed in with the lab's one-time link",
    });
    return info;
  });
}

/** Any signed-in user: DELETE /session (logout). */
export async function sessionRoutes(app: FastifyInstance, deps: SessionRouteDeps): Promise<void> {
  serveRoute(app, apiRoutes.signOut, async (req, reply) => {
    const actor = requireActor(req);
    deps.sessions.end(actor.sessionId, 'logout');
    reply.clearCookie(SESSION_COOKIE, { path: '/' });
    deps.audit.record({ req, action: 'logout', target: actor.username, result: 'ok', message: 'signed out' });
    return reply.status(204).send();
  });
}

/** The limiter's key for wrong links: no user is named, the address is what counts. */
const LINK_USER = '(lab sign-in link)';
