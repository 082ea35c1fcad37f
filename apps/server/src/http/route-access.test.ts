// Access control on a real controller: every route refuses a stranger, roles and clusters are
// enforced by the scope a route sits in, mutations need JSON + the CSRF token, sign-in is
// rate-limited, sign-out ends the session on the server.
import { SESSION_COOKIE } from '@walboard/shared/auth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AuthTestApp, startAuthTestApp } from '../auth/test-support/auth-app.ts';
import { fillRoute, PUBLIC_API_ROUTES } from '../auth/test-support/public-routes.ts';
import { addUser, type SignedIn, signInInject } from '../auth/test-support/sign-in.ts';

const PUBLIC = PUBLIC_API_ROUTES;
const fill = (url: string) => fillRoute(url, { cluster: 'lab', node: 'n1', username: 'admin' });

describe('route access', () => {
  let t: AuthTestApp;
  let admin: SignedIn;
  let viewer: SignedIn;
  let labViewer: SignedIn;

  beforeAll(async () => {
    t = await startAuthTestApp();
    await addUser(t.app, 'vera', 'viewer', 'vera-password-123');
    await addUser(t.app, 'lena', 'viewer', 'lena-password-123', ['lab']);
    admin = await signInInject(t.app);
    viewer = await signInInject(t.app, 'vera', 'vera-password-123');
    labViewer = await signInInject(t.app, 'lena', 'lena-password-123');
  });
  afterAll(async () => t?.close());

  it('answers 401 on every route of the route table without a session, except the public list', async () => {
    const api = t.app.routeTable.filter((r) => r.url.startsWith('/api/'));
    expect(api.length).toBeGreaterThan(10);
    const refused: string[] = [];
    for (const r of api) {
      const key = `${r.method} ${r.url}`;
      if (PUBLIC.has(key)) continue;
      const res = await t.app.inject({
        method: r.method as 'GET',
        url: fill(r.url),
        headers: { 'content-type': 'application/json' },
        payload: r.method === 'GET' || r.method === 'HEAD' ? undefined : '{}',
      });
      if (res.statusCode === 401) refused.push(key);
      else expect.fail(`${key} answered ${res.statusCode} without a session: ${res.body.slice(0, 200)}`);
    }
    expect(refused.length).toBe(api.filter((r) => !PUBLIC.has(`${r.method} ${r.url}`)).length);
    // GET /api/session is in the walk too: it answers 401 itself when nobody is signed in.
    expect(refused).toContain('GET /api/session');
    // The public ones really are reachable.
    expect((await t.app.inject({ method: 'GET', url: '/api/health' })).statusCode).toBe(200);
  });

  it('refuses a forged or expired cookie like no cookie at all', async () => {
    for (const cookie of [`${SESSION_COOKIE}=forged`, `${SESSION_COOKIE}=${'A'.repeat(5000)}`, 'other=1']) {
      const res = await t.app.inject({ method: 'GET', url: '/api/clusters', headers: { cookie } });
      expect(res.statusCode).toBe(401);
    }
  });

  it('keeps admin routes from viewers (403) and gives them to admins', async () => {
    const admins = t.app.routeTable.filter((r) => /^\/api\/(users|audit)/.test(r.url));
    expect(admins.length).toBeGreaterThanOrEqual(5);
    for (const r of admins) {
      const mutation = r.method !== 'GET' && r.method !== 'HEAD';
      const res = await t.app.inject({
        method: r.method as 'GET',
        url: fill(r.url).replace('/admin', '/nobody'),
        headers: mutation ? viewer.mutation : { cookie: viewer.cookie },
        payload: mutation ? '{}' : undefined,
      });
      expect(res.statusCode, `${r.method} ${r.url}`).toBe(403);
    }
    const list = await t.app.inject({ method: 'GET', url: '/api/users', headers: { cookie: admin.cookie } });
    expect(list.statusCode).toBe(200);
    expect(list.body).not.toContain('scrypt');
    expect(list.json<{ username: string }[]>().map((u) => u.username)).toEqual(['admin', 'lena', 'vera']);
  });

  it('limits a viewer to the clusters it may see: listing, snapshot, nested routes', async () => {
    const clusters = await t.app.inject({
      method: 'GET',
      url: '/api/clusters',
      headers: { cookie: labViewer.cookie },
    });
    expect(clusters.json<{ name: string }[]>().map((c) => c.name)).toEqual(['lab']);
    for (const url of [
      '/api/clusters/other',
      '/api/clusters/other/nodes/o1/log',
      '/api/clusters/other/lag-history?standby=o1',
    ]) {
      const res = await t.app.inject({ method: 'GET', url, headers: { cookie: labViewer.cookie } });
      expect(res.statusCode, url).toBe(403);
      expect(res.json()).toMatchObject({ error: 'WB_ERR_FORBIDDEN' });
    }
    const own = await t.app.inject({
      method: 'GET',
      url: '/api/clusters/lab',
      headers: { cookie: labViewer.cookie },
    });
    expect(own.statusCode).toBe(200);
  });

  it('takes mutations only as application/json with the CSRF token', async () => {
    const body = JSON.stringify({ username: 'eve', password: 'eve-password-123', role: 'viewer' });
    const cases: [Record<string, string>, number][] = [
      [{ cookie: admin.cookie, 'content-type': 'text/plain', 'x-csrf-token': admin.csrf }, 415],
      [
        {
          cookie: admin.cookie,
          'content-type': 'application/x-www-form-urlencoded',
          'x-csrf-token': admin.csrf,
        },
        415,
      ],
      [
        {
          cookie: admin.cookie,
          'content-type': 'multipart/form-data; boundary=x',
          'x-csrf-token': admin.csrf,
        },
        415,
      ],
      [
        { cookie: admin.cookie, 'content-type': 'application/json, text/plain', 'x-csrf-token': admin.csrf },
        415,
      ],
      [
        { cookie: admin.cookie, 'content-type': 'text/plain; application/json', 'x-csrf-token': admin.csrf },
        415,
      ],
      [{ cookie: admin.cookie, 'content-type': 'application/jsonp', 'x-csrf-token': admin.csrf }, 415],
      [{ cookie: admin.cookie, 'content-type': 'application/json' }, 403],
      [{ cookie: admin.cookie, 'content-type': 'application/json', 'x-csrf-token': viewer.csrf }, 403],
      [{ cookie: admin.cookie, 'content-type': 'application/json', 'x-csrf-token': '' }, 403],
    ];
    for (const [headers, status] of cases) {
      const res = await t.app.inject({ method: 'POST', url: '/api/users', headers, payload: body });
      expect(res.statusCode, JSON.stringify(headers)).toBe(status);
    }
    const users = await t.app.inject({ method: 'GET', url: '/api/users', headers: { cookie: admin.cookie } });
    expect(users.body).not.toContain('eve');
    // The same request, done right, works — and is audited.
    const ok = await t.app.inject({
      method: 'POST',
      url: '/api/users',
      headers: admin.mutation,
      payload: body,
    });
    expect(ok.statusCode).toBe(201);
    const audit = await t.app.inject({
      method: 'GET',
      url: '/api/audit?limit=50',
      headers: { cookie: admin.cookie },
    });
    const entries = audit.json<{ entries: { action: string; result: string; target: string | null }[] }>()
      .entries;
    expect(entries.find((e) => e.action === 'user.create')).toMatchObject({ result: 'ok', target: 'eve' });
    expect(entries.filter((e) => e.action === 'request.refused').length).toBeGreaterThanOrEqual(cases.length);
    expect(audit.body).not.toContain('eve-password-123');
  });

  it('sets the session cookie httpOnly and SameSite=Strict, and sign-out ends it on the server', async () => {
    await addUser(t.app, 'otto', 'operator', 'otto-password-123');
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/session',
      headers: { 'content-type': 'application/json' },
      payload: { username: 'otto', password: 'otto-password-123' },
    });
    const setCookie = String(res.headers['set-cookie']);
    expect(setCookie).toMatch(/HttpOnly/i);
    expect(setCookie).toMatch(/SameSite=Strict/i);
    expect(setCookie).not.toMatch(/Secure/i); // plain http here; see the TLS test
    const cookie = /walboard_session=[^;]+/.exec(setCookie)?.[0] ?? '';
    const csrf = res.json<{ csrfToken: string }>().csrfToken;
    const out = await t.app.inject({
      method: 'DELETE',
      url: '/api/session',
      headers: { cookie, 'content-type': 'application/json', 'x-csrf-token': csrf },
      payload: '{}',
    });
    expect(out.statusCode).toBe(204);
    // A copy of the old cookie is worth nothing now.
    const after = await t.app.inject({ method: 'GET', url: '/api/clusters', headers: { cookie } });
    expect(after.statusCode).toBe(401);
  });

  it('rate-limits sign-in: after 5 failures even the right password waits, with Retry-After', async () => {
    await addUser(t.app, 'rita', 'viewer', 'rita-password-123');
    const attempt = (password: string) =>
      t.app.inject({
        method: 'POST',
        url: '/api/session',
        headers: { 'content-type': 'application/json' },
        payload: { username: 'rita', password },
      });
    for (let i = 0; i < 5; i++) expect((await attempt(`wrong-${i}`)).statusCode).toBe(401);
    const limited = await attempt('rita-password-123');
    expect(limited.statusCode).toBe(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect(limited.json()).toMatchObject({ error: 'WB_ERR_RATE_LIMITED' });
    // Other users are not locked out by rita's attacker.
    expect((await signInInject(t.app, 'vera', 'vera-password-123')).info.role).toBe('viewer');
  });

  it('signs in only with application/json, and never says whether the user exists', async () => {
    const form = await t.app.inject({
      method: 'POST',
      url: '/api/session',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'username=admin&password=x',
    });
    expect(form.statusCode).toBe(415);
    const ghost = await t.app.inject({
      method: 'POST',
      url: '/api/session',
      headers: { 'content-type': 'application/json' },
      payload: { username: 'ghost', password: 'whatever-123' },
    });
    const wrong = await t.app.inject({
      method: 'POST',
      url: '/api/session',
      headers: { 'content-type': 'application/json' },
      payload: { username: 'admin', password: 'whatever-123' },
    });
    expect(ghost.statusCode).toBe(401);
    expect(ghost.json()).toEqual(wrong.json());
  });

  it('sends helmet headers with a strict Content-Security-Policy', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/health' });
    const csp = String(res.headers['content-security-policy']);
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("object-src 'none'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).not.toContain('upgrade-insecure-requests');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['x-frame-options']).toBe('SAMEORIGIN');
  });

  it('users: the last admin cannot be demoted, nobody deletes themselves, a removed user is signed out', async () => {
    const demote = await t.app.inject({
      method: 'PATCH',
      url: '/api/users/admin',
      headers: admin.mutation,
      payload: { role: 'viewer' },
    });
    expect(demote.statusCode).toBe(409);
    const self = await t.app.inject({
      method: 'DELETE',
      url: '/api/users/admin',
      headers: admin.mutation,
      payload: '{}',
    });
    expect(self.statusCode).toBe(409);
    const gone = await t.app.inject({
      method: 'DELETE',
      url: '/api/users/vera',
      headers: admin.mutation,
      payload: '{}',
    });
    expect(gone.statusCode).toBe(204);
    const after = await t.app.inject({
      method: 'GET',
      url: '/api/clusters',
      headers: { cookie: viewer.cookie },
    });
    expect(after.statusCode).toBe(401);
    const weak = await t.app.inject({
      method: 'POST',
      url: '/api/users',
      headers: admin.mutation,
      payload: { username: 'weak', password: 'short', role: 'viewer' },
    });
    expect(weak.statusCode).toBe(400);
    expect(weak.json<{ message: string }>().message).toContain('password');
  });
});
