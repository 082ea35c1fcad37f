// The doors of a running controller, over real HTTP: nothing answers a stranger but the public
// list, a viewer of one cluster cannot read another, and paths smuggled into URLs (../, encoded
// dots, a symlink planted in the archive) never reach a file.

import { fillRoute, PUBLIC_API_ROUTES } from '@walboard/server/src/auth/test-support/public-routes.ts';
import { addUser, type SignedIn, signIn } from '@walboard/server/src/auth/test-support/sign-in.ts';
import { parseConfigText } from '@walboard/server/src/config/load-config.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { down, type HostsRun, runOnHost, up } from '../hosts/harness.ts';
import { viewerSocket } from '../support/bench-socket.ts';
import { configForHosts, type RunningWalboard, startWalboard } from '../support/walboard.ts';

describe('the doors of a running walboard', () => {
  let run: HostsRun;
  let wb: RunningWalboard;
  let labViewer: SignedIn;

  beforeAll(async () => {
    run = await up(1, [15]);
    const [h1] = run.hosts;
    if (!h1) throw new Error('the harness did not create h1');
    // Two clusters on the same host: "lab" and "other".
    const { yaml } = configForHosts(run);
    const doc = parse(yaml) as { clusters: { name: string; nodes: unknown[] }[] };
    doc.clusters.push({ name: 'other', nodes: doc.clusters[0]?.nodes ?? [] });
    const config = parseConfigText(`${run.runDir}/walboard.yaml`, stringify(doc));
    wb = await startWalboard(config, h1.pg.password);
    await addUser(wb.app, 'lena', 'viewer', 'lena-password-123', ['lab']);
    labViewer = await signIn(wb.url, 'lena', 'lena-password-123');
  });

  afterAll(async () => {
    await wb?.close();
    if (run) await down(run);
  });

  it('answers 401 to a stranger on every API route but the public ones', async () => {
    const routes = wb.app.routeTable.filter((r) => r.url.startsWith('/api/') && r.method !== 'HEAD');
    expect(routes.length).toBeGreaterThan(10);
    for (const r of routes) {
      const key = `${r.method} ${r.url}`;
      const res = await fetch(
        `${wb.url}${fillRoute(r.url, { cluster: 'lab', node: 'h1', username: 'admin' })}`,
        {
          method: r.method,
          headers: { 'content-type': 'application/json' },
          body: r.method === 'GET' ? undefined : '{}',
        },
      );
      if (PUBLIC_API_ROUTES.has(key)) expect(res.status, key).not.toBe(401);
      else expect(res.status, key).toBe(401);
    }
  });

  it('opens no live feed to a stranger: no handshake, no event, whatever the transport', async () => {
    const polling = await fetch(`${wb.url}/socket.io/?EIO=4&transport=polling`);
    expect(polling.status).toBe(403);
    const socket = viewerSocket(wb.url, '');
    const events: string[] = [];
    socket.onAny((e: string) => events.push(e));
    const outcome = await new Promise<string>((resolve) => {
      socket.once('connect', () => resolve('connected'));
      socket.once('connect_error', (err) => resolve(err.message));
      socket.connect();
    });
    socket.disconnect();
    expect(outcome).not.toBe('connected');
    expect(events).toEqual([]);
  });

  it('gives a viewer of "lab" nothing of "other": REST 403, socket subscribe refused', async () => {
    for (const path of [
      '/api/clusters/other',
      '/api/clusters/other/nodes/h1/archive',
      '/api/clusters/other/nodes/h1/log',
    ]) {
      const res = await fetch(`${wb.url}${path}`, { headers: { cookie: labViewer.cookie } });
      expect(res.status, path).toBe(403);
    }
    const list = await fetch(`${wb.url}/api/clusters`, { headers: { cookie: labViewer.cookie } });
    expect(((await list.json()) as { name: string }[]).map((c) => c.name)).toEqual(['lab']);
    const mine = await fetch(`${wb.url}/api/clusters/lab`, { headers: { cookie: labViewer.cookie } });
    expect(mine.status).toBe(200);
  });

  it('refuses ../ and encoded dots in archive, log and page URLs without reading a file', async () => {
    const attempts = [
      '/api/clusters/lab/nodes/..%2F..%2F..%2Fetc%2Fpasswd/archive',
      '/api/clusters/lab/nodes/%2e%2e/archive',
      '/api/clusters/..%2Fother/nodes/h1/archive',
      '/api/clusters/lab/nodes/h1/archive/..%2F..%2F..%2Fetc%2Fpasswd',
      '/api/clusters/lab/nodes/h1/log?lines=..%2F..%2Fetc%2Fpasswd',
      '/api/clusters/lab/nodes/h1%2F..%2F..%2Fetc/log',
      '/assets/..%2F..%2F..%2F..%2F..%2Fetc%2Fpasswd',
      '/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd',
      '/..%252f..%252f..%252fetc%252fpasswd',
    ];
    for (const path of attempts) {
      const res = await fetch(`${wb.url}${path}`, { headers: { cookie: wb.admin.cookie } });
      const body = await res.text();
      expect(body, path).not.toMatch(/root:.*:0:0:/);
      if (path.startsWith('/api/')) expect(res.status, path).toBeGreaterThanOrEqual(400);
    }
  });

  it('lists a symlink planted in the archive as a name, never following it', async () => {
    const [h1] = run.hosts;
    if (!h1) throw new Error('no h1');
    const name = '0000000100000000000000FE';
    await runOnHost(run, h1, ['ln', '-s', '--', '/etc/passwd', `${h1.archiveDir}/${name}`], {
      asUser: 'postgres',
    });
    await expect
      .poll(
        async () => {
          const res = await fetch(`${wb.url}/api/clusters/lab/nodes/h1/archive`, {
            headers: { cookie: wb.admin.cookie },
          });
          return res.ok
            ? ((await res.json()) as { entries: { name: string }[] }).entries.map((e) => e.name)
            : [];
        },
        { timeout: 10_000 },
      )
      .toContain(name);
    const res = await fetch(`${wb.url}/api/clusters/lab/nodes/h1/archive`, {
      headers: { cookie: wb.admin.cookie },
    });
    const text = await res.text();
    expect(text).not.toMatch(/root:.*:0:0:/);
    const entry = (JSON.parse(text) as { entries: { name: string; size: number }[] }).entries.find(
      (e) => e.name === name,
    );
    // The link's own size (its target's path, 11 bytes), not the size of /etc/passwd.
    expect(entry?.size).toBe('/etc/passwd'.length);
  });
});
