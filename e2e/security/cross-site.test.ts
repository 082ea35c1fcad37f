// A signed-in admin opens a hostile page in the same browser. The page tries what cross-site
// attacks on consoles do: a form POST (text/plain and urlencoded), a no-cors fetch, and a
// websocket to the live feed with the admin's cookie. walboard must refuse every one of them.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningWalboard } from '../support/walboard.ts';
import { type WalboardOnHosts, walboardOnHosts } from '../support/walboard-on-hosts.ts';

function evilPage(target: string): string {
  const payload = JSON.stringify({ username: 'mallory', password: 'mallory-password-1', role: 'admin' });
  // text/plain form trick: name + "=" + value must read as JSON on the server.
  const name = `${payload.slice(0, -1)},"x":"`;
  return `<!doctype html><html><body>
<iframe name="sink"></iframe>
<form id="plain" method="POST" action="${target}/api/users" enctype="text/plain" target="sink">
  <input type="hidden" name='${name}' value='"}'>
</form>
<form id="urlenc" method="POST" action="${target}/api/users" target="sink">
  <input type="hidden" name="username" value="mallory2"><input type="hidden" name="password" value="mallory-password-2">
  <input type="hidden" name="role" value="admin">
</form>
<script>
window.results = { ws: 'pending', wsMessages: 0 };
document.getElementById('plain').submit();
setTimeout(() => document.getElementById('urlenc').submit(), 300);
fetch('${target}/api/users', { method: 'POST', mode: 'no-cors', credentials: 'include',
  headers: { 'content-type': 'text/plain' }, body: ${JSON.stringify(payload.replace('mallory', 'mallory3'))} })
  .then(() => { window.results.fetch = 'sent'; }, () => { window.results.fetch = 'blocked'; });
const ws = new WebSocket('${target.replace('http', 'ws')}/socket.io/?EIO=4&transport=websocket');
ws.onopen = () => { window.results.ws = 'open'; ws.send('40'); setTimeout(() => ws.send('42["subscribe",{"cluster":"lab"}]'), 100); };
ws.onmessage = () => { window.results.wsMessages++; };
ws.onerror = () => { if (window.results.ws === 'pending') window.results.ws = 'refused'; };
ws.onclose = () => { if (window.results.ws === 'pending') window.results.ws = 'refused'; };
</script></body></html>`;
}

describe('cross-site attacks from a hostile page in the admin’s browser', () => {
  let t: WalboardOnHosts;
  let wb: RunningWalboard;
  let evil: Server;
  let evilPort: number;

  beforeAll(async () => {
    t = await walboardOnHosts({ browser: true });
    ({ wb } = t);
    evil = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end(evilPage(wb.url));
    });
    await new Promise<void>((r) => evil.listen(0, '127.0.0.1', () => r()));
    evilPort = (evil.address() as AddressInfo).port;
  });

  afterAll(async () => {
    evil?.close();
    await t?.close();
  });

  // localhost is another site than 127.0.0.1 (the SameSite cookie stays home); 127.0.0.1 on
  // another port is the same site but another origin (the cookie IS sent: CSRF checks must hold).
  for (const host of ['localhost', '127.0.0.1']) {
    it(`refuses form posts, no-cors fetches and the websocket from http://${host}:<port>`, async () => {
      const auditBefore = await auditCount();
      const page = await t.newPage();
      await page.goto(`http://${host}:${evilPort}/`);
      await page.waitForFunction(
        () => {
          const r = (window as unknown as { results: { ws: string; fetch?: string } }).results;
          return r && r.ws !== 'pending' && r.fetch !== undefined;
        },
        undefined,
        { timeout: 15_000 },
      );
      // Both forms have been submitted and answered (the iframe loads the refusal).
      await page.waitForTimeout(1000);
      const results = await page.evaluate(
        () => (window as unknown as { results: { ws: string; wsMessages: number } }).results,
      );
      expect(results.ws).toBe('refused');
      expect(results.wsMessages).toBe(0);
      await page.close();

      const users = await fetch(`${wb.url}/api/users`, { headers: { cookie: wb.admin.cookie } });
      const names = ((await users.json()) as { username: string }[]).map((u) => u.username);
      expect(names).toEqual(['admin']);
      if (host === '127.0.0.1') {
        // The cookie came along; the refusals are in the audit log, with the reason.
        const after = await auditEntries();
        const refused = after.filter((e) => e.action === 'request.refused' && e.id > auditBefore);
        expect(refused.length).toBeGreaterThanOrEqual(2);
        expect(refused.every((e) => e.result === 'refused' && e.username === 'admin')).toBe(true);
      }
    });
  }

  async function auditEntries(): Promise<
    { id: number; action: string; result: string; username: string | null }[]
  > {
    const res = await fetch(`${wb.url}/api/audit?limit=200`, { headers: { cookie: wb.admin.cookie } });
    return (
      (await res.json()) as {
        entries: { id: number; action: string; result: string; username: string | null }[];
      }
    ).entries;
  }
  async function auditCount(): Promise<number> {
    return (await auditEntries())[0]?.id ?? 0;
  }
});
