// The lag chart's REST source, on a real app: windows over <dataDir>/walboard.db, and the recorder
// wired to the monitor bus (its own 1 s timer writes what the bus says, read back over HTTP).
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type LagHistory, lagHistorySchema } from '@walboard/shared/api';
import { type ReplicationLink, replicationLinkSchema } from '@walboard/shared/status';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../app.ts';
import { type SignedIn, signInInject, withTestAdmin } from '../auth/test-support/sign-in.ts';
import { parseConfigText } from '../config/load-config.ts';
import { freePort } from '../nodes/test-support/sshd-fixture.ts';

function link(standby: string, replayBytes: number, replaySeconds: number): ReplicationLink {
  return replicationLinkSchema.parse({
    primary: 'n1',
    standby,
    applicationName: standby,
    clientAddr: '127.0.0.1',
    streaming: true,
    archiveShipping: false,
    state: 'streaming',
    lag: { replayBytes, flushBytes: replayBytes, replaySeconds, secondsSource: 'sender' },
  });
}

describe('GET /api/clusters/:cluster/lag-history', () => {
  let dir: string;
  let app: FastifyInstance;
  let admin: SignedIn;
  let n1Down: Promise<void>;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'walboard-history-routes-'));
    const pgPort = await freePort(); // nothing listens: the nodes are down, the history does not care
    const yaml = `
dataDir: ${dir}/state
clusters:
  - name: lab
    nodes:
      - { name: n1, transport: local, runAs: postgres, postgres: { port: ${pgPort}, binDir: /usr/lib/postgresql/15/bin, dataDir: ${dir}/d1 } }
      - { name: n2, transport: local, runAs: postgres, postgres: { port: ${pgPort}, binDir: /usr/lib/postgresql/15/bin, dataDir: ${dir}/d2 } }
`;
    app = await buildApp({
      config: parseConfigText(join(dir, 'walboard.yaml'), yaml),
      webDist: '/nonexistent',
      env: withTestAdmin(),
    });
    // Nothing listens on pgPort: the first status of n1 says so, and the recorder must hear it.
    n1Down = new Promise((resolve) => {
      const off = app.monitor.bus.on('status', (s) => {
        if (s.node === 'n1' && s.reachability.pg === 'down') {
          off();
          resolve();
        }
      });
    });
    await app.ready();
    admin = await signInInject(app);
  });
  afterAll(async () => {
    await app?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const get = async (url: string) => {
    const res = await app.inject({ method: 'GET', url, headers: { cookie: admin.cookie } });
    return { status: res.statusCode, body: res.json() as Record<string, unknown> };
  };

  it('keeps the store in <dataDir>/walboard.db', () => {
    expect(app.store.file).toBe(join(dir, 'state', 'walboard.db'));
    expect(existsSync(app.store.file)).toBe(true);
  });

  it('serves each window at its resolution, oldest first, without what lies outside it', async () => {
    const now = Date.now();
    const at = (msAgo: number, bytes: number) => ({
      cluster: 'lab',
      standby: 'n2',
      t: now - msAgo,
      replayBytes: bytes,
      replaySeconds: bytes / 1000,
    });
    // 20 h, 50 min and 5 min ago, and now: each window must hold exactly the samples inside it.
    app.store.lag.write(
      [at(20 * 3600_000, 4000), at(50 * 60_000, 3000), at(5 * 60_000, 2000), at(0, 1000)],
      now,
    );
    const windows = { '15m': [2000, 1000], '1h': [3000, 2000, 1000], '24h': [4000, 3000, 2000, 1000] };
    for (const [range, bytes] of Object.entries(windows)) {
      const res = await get(`/api/clusters/lab/lag-history?standby=n2&range=${range}`);
      expect(res.status, range).toBe(200);
      const h = lagHistorySchema.parse(res.body);
      expect(h, range).toMatchObject({ cluster: 'lab', standby: 'n2', range });
      expect(
        h.points.map((p) => p.replayBytes),
        range,
      ).toEqual(bytes);
      expect(
        h.points.map((p) => p.replaySeconds),
        range,
      ).toEqual(bytes.map((b) => b / 1000));
      const step = { '15m': 1000, '1h': 10_000, '24h': 60_000 }[range] ?? 0;
      expect(
        h.points.every((p) => p.t % step === 0),
        range,
      ).toBe(true);
    }
  });

  it('records what the bus says once a second: a link whose primary is down is lag unknown', async () => {
    await n1Down;
    app.monitor.bus.emit('links', { cluster: 'lab', links: [link('n3', 4096, 0.75)] });
    const t0 = Date.now();
    let body: LagHistory | null = null;
    // The recorder writes on its own timer: poll the route, the way a page would.
    while (Date.now() - t0 < 5000) {
      const res = await get('/api/clusters/lab/lag-history?standby=n3&range=15m');
      expect(res.status).toBe(200);
      body = lagHistorySchema.parse(res.body);
      if (body.points.length > 0) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(Date.now() - t0).toBeLessThan(2500);
    const p = body?.points[0];
    expect(p?.t).toBeGreaterThan(t0 - 2000);
    // n1 (the link's primary) is unreachable: its last numbers are not presented as current lag.
    expect(p).toMatchObject({ replayBytes: null, replaySeconds: null });
  });

  it('answers an empty history for a standby with no samples, and defaults to 15m', async () => {
    const res = await get('/api/clusters/lab/lag-history?standby=never-seen');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ cluster: 'lab', standby: 'never-seen', range: '15m', points: [] });
  });

  it('answers 404 for an unknown cluster', async () => {
    const res = await get('/api/clusters/nope/lag-history?standby=n2&range=1h');
    expect(res.status).toBe(404);
    expect(res.body).toMatchObject({ error: 'WB_ERR_NO_CLUSTER', message: 'no cluster named "nope"' });
  });

  it('answers 400 with what was expected for a bad range, a missing standby or an unknown parameter', async () => {
    for (const q of ['standby=n2&range=2d', 'range=1h', 'standby=n2&from=0', 'standby=']) {
      const res = await get(`/api/clusters/lab/lag-history?${q}`);
      expect(res.status, q).toBe(400);
      expect(res.body.error, q).toBe('WB_ERR_BAD_REQUEST');
      expect(String(res.body.message), q).toMatch(/range=15m\|1h\|24h/);
    }
  });
});
