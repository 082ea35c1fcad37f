// Alerts on a real app: two local nodes whose PostgreSQL does not answer fire node-unreachable
// after the rule's window, once each; the receiver (real HTTP on loopback) gets them, the audit
// trail and GET /api/alerts show them. Resolving needs a node that comes back: see e2e/alerts.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { type AlertWebhookBody, alertListSchema, alertWebhookBodySchema } from '@walboard/shared/alerts';
import { auditListSchema } from '@walboard/shared/audit';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../app.ts';
import { type SignedIn, signInInject, withTestAdmin } from '../auth/test-support/sign-in.ts';
import { parseConfigText } from '../config/load-config.ts';
import { freePort } from '../nodes/test-support/sshd-fixture.ts';

describe('alerts in the app: fired once each, audited, listed', () => {
  let dir: string;
  let app: FastifyInstance;
  let admin: SignedIn;
  let receiver: Server;
  const got: { body: AlertWebhookBody; auth: string | undefined }[] = [];
  let startedAt = 0;
  let logText = '';

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'walboard-alerts-'));
    receiver = createServer((req, res) => {
      let data = '';
      req.on('data', (c) => {
        data += c;
      });
      req.on('end', () => {
        got.push({ body: alertWebhookBodySchema.parse(JSON.parse(data)), auth: req.headers.authorization });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    const hookPort = (receiver.address() as AddressInfo).port;
    const pgPort = await freePort(); // nothing listens: both nodes are down from the start
    const yaml = `
dataDir: ${dir}/state
clusters:
  - name: lab
    nodes:
      - { name: n1, transport: local, runAs: postgres, postgres: { port: ${pgPort}, binDir: /usr/lib/postgresql/15/bin, dataDir: ${dir}/d1 } }
      - { name: n2, transport: local, runAs: postgres, postgres: { port: ${pgPort}, binDir: /usr/lib/postgresql/15/bin, dataDir: ${dir}/d2 } }
alerts:
  webhooks:
    - { name: ops, urlEnv: TEST_HOOK_URL, tokenEnv: TEST_HOOK_TOKEN }
  rules:
    - { name: node-down, kind: node-unreachable, forSeconds: 1 }
    - { name: n1-lag, kind: lag-bytes, threshold: 1000, nodes: [n1] }
    - { name: op-failed, kind: operation-failed }
`;
    app = await buildApp({
      config: parseConfigText(join(dir, 'walboard.yaml'), yaml),
      webDist: '/nonexistent',
      logger: { level: 'debug', stream: logStream((chunk) => (logText += chunk)) },
      env: withTestAdmin({
        TEST_HOOK_URL: `http://127.0.0.1:${hookPort}/hook`,
        TEST_HOOK_TOKEN: 'hook-token-1',
      }),
    });
    startedAt = Date.now();
    await app.ready();
    admin = await signInInject(app);
  });

  afterAll(async () => {
    await app?.close();
    receiver?.closeAllConnections();
    receiver?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('fires node-unreachable for each node after the 1 s window, and sends each once', async () => {
    const t0 = Date.now();
    const down = () => got.filter((g) => g.body.rule === 'node-down');
    while (down().length < 2 && Date.now() - t0 < 8000) await new Promise((r) => setTimeout(r, 50));
    // Heartbeats keep repeating "down": nothing more may arrive.
    await new Promise((r) => setTimeout(r, 2500));
    await app.alerts.settled();
    expect(
      down()
        .map((g) => `${g.body.status} ${g.body.rule} ${g.body.node}`)
        .sort(),
    ).toEqual(['firing node-down n1', 'firing node-down n2']);
    for (const { body, auth } of down()) {
      expect(auth).toBe('Bearer hook-token-1');
      expect(body.text).toMatch(
        /^\[FIRING\] walboard node-down \(node-unreachable\): lab\/n\d is unreachable/,
      );
      expect(Date.parse(body.firedAt) - Date.parse(body.since)).toBeGreaterThanOrEqual(990);
      expect(Date.parse(body.firedAt) - startedAt).toBeGreaterThanOrEqual(990);
    }
  });

  it('GET /api/alerts lists both as current; the audit trail has one alert.fired each', async () => {
    const res = await app.inject({ method: 'GET', url: '/api/alerts', headers: { cookie: admin.cookie } });
    expect(res.statusCode).toBe(200);
    const list = alertListSchema.parse(res.json());
    expect(
      list.current
        .filter((a) => a.rule === 'node-down')
        .map((a) => a.node)
        .sort(),
    ).toEqual(['n1', 'n2']);
    expect(list.recent).toEqual([]);
    const audit = await app.inject({
      method: 'GET',
      url: '/api/audit?action=alert.fired',
      headers: { cookie: admin.cookie },
    });
    const entries = auditListSchema.parse(audit.json()).entries;
    expect(
      entries
        .filter((e) => e.detail.rule === 'node-down')
        .map((e) => e.target)
        .sort(),
    ).toEqual(['lab/n1', 'lab/n2']);
    // Neither the URL nor the token reaches the audit trail.
    expect(JSON.stringify(entries)).not.toMatch(/hook-token-1|\/hook/);
  });

  it('an operation that fails fires operation-failed for the cluster, once', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/api/clusters/lab/operations',
      headers: admin.mutation,
      payload: { type: 'start', node: 'n1' },
    });
    expect(res.statusCode, res.body).toBe(202);
    const t0 = Date.now();
    const failed = () => got.filter((g) => g.body.rule === 'op-failed');
    while (failed().length < 1 && Date.now() - t0 < 10_000) await new Promise((r) => setTimeout(r, 50));
    await app.alerts.settled();
    expect(failed().map((g) => `${g.body.status} ${g.body.node} ${g.body.value}`)).toEqual([
      'firing null start',
    ]);
    expect(failed()[0]?.body.summary).toMatch(/operation start on lab\/n1 \(\S+\) failed: /);
  });

  it('the server log names each alert and never the webhook URL or token', () => {
    expect(logText).toMatch(/alert firing: node-down: lab\/n1 is unreachable/);
    expect(logText).not.toMatch(/hook-token-1|127\.0\.0\.1:\d+\/hook/);
  });

  it('GET /api/alerts needs a session', async () => {
    const res = await app.inject({ method: 'GET', url: '/api/alerts' });
    expect(res.statusCode).toBe(401);
  });
});

function logStream(onText: (text: string) => void): PassThrough {
  const stream = new PassThrough();
  stream.on('data', (c: Buffer) => onText(c.toString('utf8')));
  return stream;
}
