import { CSRF_HEADER, SESSION_COOKIE, type SessionInfo, type UserRole } from '@walboard/shared/auth';
import type { FastifyInstance } from 'fastify';
import { UserStore } from '../../store/user-store.ts';
import { ADMIN_PASSWORD_ENV, FIRST_ADMIN } from '../first-admin.ts';
import { hashPassword } from '../passwords.ts';

/** The first admin's password in tests (set through WALBOARD_ADMIN_PASSWORD, as a user would). */
export const TEST_ADMIN_PASSWORD = 'walboard-test-admin-password';

export function withTestAdmin(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  return { ...env, [ADMIN_PASSWORD_ENV]: TEST_ADMIN_PASSWORD };
}

/** A signed-in client: the cookie header to send, and the CSRF token for mutations. */
export interface SignedIn {
  cookie: string;
  csrf: string;
  info: SessionInfo;
  /** Headers for a mutation: cookie, JSON, CSRF. */
  mutation: Record<string, string>;
}

function signedIn(setCookie: string | string[] | undefined, info: SessionInfo): SignedIn {
  const raw = Array.isArray(setCookie) ? setCookie.join(';') : (setCookie ?? '');
  const m = new RegExp(`${SESSION_COOKIE}=([^;]+)`).exec(raw);
  if (!m) throw new Error('sign-in answered without a session cookie');
  const cookie = `${SESSION_COOKIE}=${m[1]}`;
  return {
    cookie,
    csrf: info.csrfToken,
    info,
    mutation: { cookie, 'content-type': 'application/json', [CSRF_HEADER]: info.csrfToken },
  };
}

/** Signs in through POST /api/session over HTTP (a listening controller). */
export async function signIn(
  baseUrl: string,
  username = FIRST_ADMIN,
  password = TEST_ADMIN_PASSWORD,
): Promise<SignedIn> {
  const res = await fetch(`${baseUrl}/api/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });
  if (!res.ok) throw new Error(`sign-in as ${username} failed: HTTP ${res.status} ${await res.text()}`);
  return signedIn(res.headers.getSetCookie(), (await res.json()) as SessionInfo);
}

/** Signs in through app.inject (no listening socket needed). */
export async function signInInject(
  app: FastifyInstance,
  username = FIRST_ADMIN,
  password = TEST_ADMIN_PASSWORD,
): Promise<SignedIn> {
  const res = await app.inject({
    method: 'POST',
    url: '/api/session',
    headers: { 'content-type': 'application/json' },
    payload: { username, password },
  });
  if (res.statusCode !== 200) throw new Error(`sign-in as ${username} failed: ${res.statusCode} ${res.body}`);
  return signedIn(res.headers['set-cookie'], res.json<SessionInfo>());
}

/** Adds a user straight to the store (tests of roles), with a known password. */
export async function addUser(
  app: FastifyInstance,
  username: string,
  role: UserRole,
  password: string,
  clusters: string[] | null = null,
): Promise<void> {
  // Through the product's own store: the same row a user created on the page would be.
  const created = new UserStore(app.store.db).create({
    username,
    role,
    clusters,
    passwordHash: await hashPassword(password),
  });
  if (!created) throw new Error(`a user named ${username} already exists`);
}
