// The live feed's doors: no session or a foreign Origin never gets a socket (any transport, any
// namespace); a viewer cannot subscribe to a cluster it may not see; sign-out closes the socket.
import type { ClientToServerEvents, ServerToClientEvents, SubscribeAck } from '@walboard/shared/events';
import { io as connectIo, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AuthTestApp, startAuthTestApp } from '../auth/test-support/auth-app.ts';
import { addUser, type SignedIn, signIn } from '../auth/test-support/sign-in.ts';

type Client = Socket<ServerToClientEvents, ClientToServerEvents>;

describe('socket.io authentication', () => {
  let t: AuthTestApp;
  let admin: SignedIn;
  let labViewer: SignedIn;
  const clients: Client[] = [];

  const connect = (headers: Record<string, string>, path = '/', transports = ['websocket']): Client => {
    const c: Client = connectIo(`${t.url}${path}`, {
      transports,
      forceNew: true,
      reconnection: false,
      extraHeaders: headers,
    });
    clients.push(c);
    return c;
  };
  /** 'connected', or the connect_error message. Counts every event that reached the client. */
  const outcome = (c: Client) =>
    new Promise<{ result: string; events: number }>((resolve) => {
      let events = 0;
      c.onAny(() => {
        events++;
      });
      c.on('connect', () => resolve({ result: 'connected', events }));
      c.on('connect_error', (err) => setTimeout(() => resolve({ result: err.message, events }), 200));
    });

  beforeAll(async () => {
    t = await startAuthTestApp();
    await addUser(t.app, 'lena', 'viewer', 'lena-password-123', ['lab']);
    admin = await signIn(t.url);
    labViewer = await signIn(t.url, 'lena', 'lena-password-123');
  });
  afterAll(async () => {
    for (const c of clients) c.close();
    await t?.close();
  });

  it('refuses a socket without a session, on websocket and polling, on any namespace', async () => {
    for (const [path, transports] of [
      ['/', ['websocket']],
      ['/', ['polling']],
      ['/admin', ['websocket']],
    ] as const) {
      const o = await outcome(connect({}, path, [...transports]));
      expect(o.result, `${path} ${transports}`).not.toBe('connected');
      expect(o.events).toBe(0);
    }
    const raw = await fetch(`${t.url}/socket.io/?EIO=4&transport=polling`);
    expect(raw.status).toBe(403);
    expect(await raw.text()).not.toContain('"sid"');
  });

  it("refuses a websocket upgrade carrying the victim's cookie from a foreign Origin", async () => {
    const o = await outcome(connect({ cookie: admin.cookie, origin: 'http://evil.example' }));
    expect(o.result).not.toBe('connected');
    expect(o.events).toBe(0);
    const raw = await fetch(`${t.url}/socket.io/?EIO=4&transport=polling`, {
      headers: { cookie: admin.cookie, origin: 'http://evil.example' },
    });
    expect(raw.status).toBeGreaterThanOrEqual(400);
    // The same cookie from our own origin is fine.
    const ok = await outcome(connect({ cookie: admin.cookie, origin: t.url }));
    expect(ok.result).toBe('connected');
  });

  it('lets a viewer subscribe only to the clusters it may see', async () => {
    const c = connect({ cookie: labViewer.cookie });
    expect((await outcome(c)).result).toBe('connected');
    let foreign = 0;
    c.onAny((_event, payload: { cluster?: string } | undefined) => {
      if (payload?.cluster === 'other') foreign++;
    });
    const other = await new Promise<SubscribeAck>((r) => c.emit('subscribe', { cluster: 'other' }, r));
    expect(other).toMatchObject({ ok: false, error: 'WB_ERR_FORBIDDEN' });
    const logs = await new Promise<SubscribeAck>((r) =>
      c.emit('log:subscribe', { cluster: 'other', node: 'o1' }, r),
    );
    expect(logs).toMatchObject({ ok: false, error: 'WB_ERR_FORBIDDEN' });
    const own = await new Promise<SubscribeAck>((r) => c.emit('subscribe', { cluster: 'lab' }, r));
    expect(own).toEqual({ ok: true });
    // An emit on the server to the other cluster's room must not reach this socket.
    t.app.io.to('cluster:other').emit('cluster:links', { cluster: 'other', links: [] });
    t.app.io.to('cluster:lab').emit('cluster:links', { cluster: 'lab', links: [] });
    await new Promise<void>((r) => c.once('cluster:links', () => r()));
    expect(foreign).toBe(0);
  });

  it('closes the socket with session:ended when its session signs out', async () => {
    const me = await signIn(t.url, 'lena', 'lena-password-123');
    const c = connect({ cookie: me.cookie });
    expect((await outcome(c)).result).toBe('connected');
    const ended = new Promise<string>((r) => c.on('session:ended', (e) => r(e.reason)));
    const closed = new Promise<void>((r) => c.on('disconnect', () => r()));
    const res = await fetch(`${t.url}/api/session`, { method: 'DELETE', headers: me.mutation, body: '{}' });
    expect(res.status).toBe(204);
    expect(await ended).toBe('logout');
    await closed;
    // And it cannot come back with the old cookie.
    const again = await outcome(connect({ cookie: me.cookie }));
    expect(again.result).not.toBe('connected');
  });
});
