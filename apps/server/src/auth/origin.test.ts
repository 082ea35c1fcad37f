// The Origin check, as an attacker tries it: spellings of our own address that a lenient URL
// parser accepts but no browser ever sends for our page. Then the real doors: a change (and a
// sign-in) over HTTP and the live feed's socket, each with the admin's cookie.
import type { ClientToServerEvents, ServerToClientEvents } from '@walboard/shared/events';
import { io as connectIo, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { foreignOriginMessage, pageOrigin, sameOrigin } from './origin.ts';
import { type AuthTestApp, startAuthTestApp } from './test-support/auth-app.ts';
import { hostileOrigins } from './test-support/hostile-origins.ts';
import { type SignedIn, signIn, TEST_ADMIN_PASSWORD } from './test-support/sign-in.ts';

describe('sameOrigin: the Origin header against our page’s own origin', () => {
  it('lets in exactly our origin, and requests without Origin', () => {
    expect(sameOrigin('http://127.0.0.1:8080', '127.0.0.1:8080', false)).toBe(true);
    expect(sameOrigin('https://walboard.example', 'walboard.example', true)).toBe(true);
    expect(sameOrigin('http://[::1]:8080', '[::1]:8080', false)).toBe(true);
    expect(sameOrigin('http://localhost:5173', 'localhost:5173', false)).toBe(true);
    // A browser's same-origin GET (and a script that is not a browser) sends no Origin.
    expect(sameOrigin(undefined, '127.0.0.1:8080', false)).toBe(true);
  });

  it('refuses every other spelling, including those new URL() reads as our host', () => {
    // Blanks around the value are trimmed by HTTP parsers before we see them; here they are not.
    for (const origin of [...hostileOrigins(8080), ' http://127.0.0.1:8080', 'http://127.0.0.1:8080 ']) {
      expect(sameOrigin(origin, '127.0.0.1:8080', false), JSON.stringify(origin)).toBe(false);
    }
    // The lenient check it replaces accepted these: the test would have caught it.
    expect(new URL('http://2130706433:8080').host).toBe('127.0.0.1:8080');
    expect(new URL('http://user@127.0.0.1:8080').host).toBe('127.0.0.1:8080');
  });

  it('matches the scheme: http is not our origin over TLS, https is not without it', () => {
    expect(sameOrigin('http://walboard.example', 'walboard.example', true)).toBe(false);
    expect(sameOrigin('https://walboard.example:443', 'walboard.example', true)).toBe(false);
    expect(sameOrigin('https://127.0.0.1:8080', '127.0.0.1:8080', false)).toBe(false);
    expect(sameOrigin('http://127.0.0.1:8080', '127.0.0.1:8080', true)).toBe(false);
  });

  it('refuses when the Host header itself is not as a browser sends it, or repeated', () => {
    for (const host of ['2130706433:8080', 'LOCALHOST:8080', 'user@127.0.0.1:8080', '127.0.0.1:8080/', '']) {
      expect(pageOrigin(host, false), host).toBeNull();
      expect(sameOrigin(`http://${host}`, host, false), host).toBe(false);
    }
    expect(sameOrigin('http://127.0.0.1:8080', undefined, false)).toBe(false);
    expect(sameOrigin(['http://127.0.0.1:8080', 'http://127.0.0.1:8080'], '127.0.0.1:8080', false)).toBe(
      false,
    );
    expect(sameOrigin('http://127.0.0.1:8080', ['127.0.0.1:8080', '127.0.0.1:8080'], false)).toBe(false);
  });

  it('says what came, what was expected and what to do', () => {
    expect(foreignOriginMessage('http://2130706433:8080', '127.0.0.1:8080', false)).toBe(
      'refused: this change was sent from the origin "http://2130706433:8080", not from walboard\'s own page (http://127.0.0.1:8080). Open walboard at its own address and try again.',
    );
  });
});

type Client = Socket<ServerToClientEvents, ClientToServerEvents>;

describe('a real controller refuses changes and the live feed from any other origin', () => {
  let t: AuthTestApp;
  let admin: SignedIn;
  let port: number;
  const clients: Client[] = [];

  beforeAll(async () => {
    t = await startAuthTestApp();
    admin = await signIn(t.url);
    port = Number(new URL(t.url).port);
  });
  afterAll(async () => {
    for (const c of clients) c.close();
    await t?.close();
  });

  const users = async () =>
    (
      (await (await fetch(`${t.url}/api/users`, { headers: { cookie: admin.cookie } })).json()) as {
        username: string;
      }[]
    ).map((u) => u.username);

  it('refuses a change with the admin’s cookie and CSRF token from each hostile origin, and audits it', async () => {
    for (const [i, origin] of hostileOrigins(port).entries()) {
      const res = await fetch(`${t.url}/api/users`, {
        method: 'POST',
        headers: { ...admin.mutation, origin },
        body: JSON.stringify({ username: `mallory${i}`, password: 'mallory-password-1', role: 'admin' }),
      });
      expect(res.status, JSON.stringify(origin)).toBe(403);
      expect(((await res.json()) as { error: string }).error).toBe('WB_ERR_FOREIGN_ORIGIN');
    }
    expect(await users()).toEqual(['admin']);
    const audit = (await (
      await fetch(`${t.url}/api/audit?limit=5`, { headers: { cookie: admin.cookie } })
    ).json()) as { entries: { action: string; username: string | null; message: string }[] };
    expect(audit.entries[0]).toMatchObject({ action: 'request.refused', username: 'admin' });
    expect(audit.entries[0]?.message).toContain('not from walboard');
    // The same request from our own page's origin goes through.
    const ok = await fetch(`${t.url}/api/users`, {
      method: 'POST',
      headers: { ...admin.mutation, origin: t.url },
      body: JSON.stringify({ username: 'olga', password: 'olga-password-123', role: 'viewer' }),
    });
    expect(ok.status).toBe(201);
  });

  it('refuses a sign-in posted from another origin (no session cookie is set)', async () => {
    for (const origin of [`http://2130706433:${port}`, 'null', `http://localhost:${port}`]) {
      const res = await fetch(`${t.url}/api/session`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin },
        body: JSON.stringify({ username: 'admin', password: TEST_ADMIN_PASSWORD }),
      });
      expect(res.status, origin).toBe(403);
      expect(res.headers.get('set-cookie')).toBeNull();
    }
  });

  it('refuses the live feed’s socket, websocket and polling, from each hostile origin', async () => {
    const outcome = (origin: string, transport: 'websocket' | 'polling') =>
      new Promise<string>((resolve) => {
        const c: Client = connectIo(t.url, {
          transports: [transport],
          forceNew: true,
          reconnection: false,
          extraHeaders: { cookie: admin.cookie, origin },
        });
        clients.push(c);
        c.on('connect', () => resolve('connected'));
        c.on('connect_error', (err) => resolve(err.message));
      });
    for (const origin of hostileOrigins(port)) {
      for (const transport of ['websocket', 'polling'] as const) {
        expect(await outcome(origin, transport), `${transport} ${JSON.stringify(origin)}`).not.toBe(
          'connected',
        );
      }
    }
    expect(await outcome(t.url, 'websocket')).toBe('connected');
  });
});
