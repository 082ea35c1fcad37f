// The Origin check compares text, not a parsed URL: spellings of walboard's own address that a
// lenient parser reads as its host (http://2130706433:<port>, userinfo, a trailing slash, another
// scheme or case, "null") are refused by a real walboard on real hosts — the live feed's socket
// on both transports and a confirmed stop with the admin's cookie and CSRF token — and the exact
// origin of walboard's page still works.
import { hostileOrigins } from '@walboard/server/src/auth/test-support/hostile-origins.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ViewerSocket, viewerSocket } from '../support/bench-socket.ts';
import type { RunningWalboard } from '../support/walboard.ts';
import { type WalboardOnHosts, walboardOnHosts } from '../support/walboard-on-hosts.ts';

describe('Origin checked as the exact origin of walboard’s page', () => {
  let t: WalboardOnHosts;
  let wb: RunningWalboard;
  let port: number;
  const sockets: ViewerSocket[] = [];

  beforeAll(async () => {
    t = await walboardOnHosts();
    ({ wb } = t);
    port = Number(new URL(wb.url).port);
    // The node must be up, so that "still up" after the refused stops means something.
    const until = Date.now() + 20_000;
    while (wb.app.monitor.snapshot('lab')?.nodes[0]?.reachability.pg !== 'up') {
      if (Date.now() > until) throw new Error('h1 did not come up within 20 s');
      await new Promise((r) => setTimeout(r, 100));
    }
  });
  afterAll(async () => {
    for (const s of sockets) s.close();
    await t?.close();
  });

  /** 'connected' or the refusal, and how many events reached the client either way. */
  const connect = (origin: string, transport: 'websocket' | 'polling') =>
    new Promise<{ result: string; events: number }>((resolve) => {
      const s = viewerSocket(wb.url, wb.admin.cookie, { origin }, transport);
      sockets.push(s);
      let events = 0;
      s.onAny(() => {
        events++;
      });
      s.on('connect', () => {
        s.emit('subscribe', { cluster: 'lab' }, () => {});
        setTimeout(() => resolve({ result: 'connected', events }), 300);
      });
      s.on('connect_error', (err) => setTimeout(() => resolve({ result: err.message, events }), 200));
      s.connect();
    });

  it('refuses the live feed from every hostile spelling, on websocket and polling', async () => {
    for (const origin of hostileOrigins(port)) {
      for (const transport of ['websocket', 'polling'] as const) {
        const o = await connect(origin, transport);
        expect(o.result, `${transport} ${JSON.stringify(origin)}`).not.toBe('connected');
        expect(o.events).toBe(0);
      }
      // The engine's own door, without the client library: no session id is handed out.
      const raw = await fetch(`${wb.url}/socket.io/?EIO=4&transport=polling`, {
        headers: { cookie: wb.admin.cookie, origin },
      });
      expect(raw.status, JSON.stringify(origin)).toBeGreaterThanOrEqual(400);
      expect(await raw.text()).not.toContain('"sid"');
    }
    // walboard's own page is let in, and gets the cluster's status.
    const own = await connect(wb.url, 'websocket');
    expect(own.result).toBe('connected');
    expect(own.events).toBeGreaterThan(0);
  });

  it('refuses a confirmed stop with the admin’s cookie and CSRF token from every hostile spelling', async () => {
    for (const origin of hostileOrigins(port)) {
      const res = await fetch(`${wb.url}/api/clusters/lab/operations`, {
        method: 'POST',
        headers: { ...wb.admin.mutation, origin },
        body: JSON.stringify({ type: 'stop', node: 'h1', confirm: true, params: { mode: 'immediate' } }),
      });
      expect(res.status, JSON.stringify(origin)).toBe(403);
      const body = (await res.json()) as { error: string; message: string };
      expect(body.error).toBe('WB_ERR_FOREIGN_ORIGIN');
      expect(body.message).toContain(`not from walboard's own page (${wb.url})`);
    }
    const ops = await fetch(`${wb.url}/api/clusters/lab/operations`, {
      headers: { cookie: wb.admin.cookie },
    });
    expect(await ops.json()).toEqual([]);
    expect(wb.app.monitor.snapshot('lab')?.nodes[0]?.reachability.pg).toBe('up');
    // Each refusal is in the audit log under the admin's name, with the reason.
    const audit = await fetch(`${wb.url}/api/audit?action=request.refused&limit=200`, {
      headers: { cookie: wb.admin.cookie },
    });
    const { entries } = (await audit.json()) as { entries: { username: string | null; message: string }[] };
    const origins = entries.filter((e) => e.message.includes('not from walboard'));
    expect(origins.length).toBe(hostileOrigins(port).length);
    expect(origins.every((e) => e.username === 'admin')).toBe(true);
    // From walboard's own origin the same request is planned (a dry run, so nothing stops).
    const own = await fetch(`${wb.url}/api/clusters/lab/operations`, {
      method: 'POST',
      headers: { ...wb.admin.mutation, origin: wb.url },
      body: JSON.stringify({ type: 'stop', node: 'h1', dryRun: true, params: { mode: 'fast' } }),
    });
    expect(own.status).toBe(200);
  });
});
