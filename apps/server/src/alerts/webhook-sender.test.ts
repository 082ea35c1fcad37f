import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AlertWebhookBody } from '@walboard/shared/alerts';
import { alertWebhookBodySchema } from '@walboard/shared/alerts';
import { afterEach, describe, expect, it } from 'vitest';
import { type DeliveryOutcome, WebhookSender } from './webhook-sender.ts';

/** A real HTTP receiver on loopback: answers `statuses` in turn (then 200), or hangs when 0. */
async function receiver(statuses: number[]) {
  const got: { at: number; body: AlertWebhookBody; headers: IncomingMessage['headers'] }[] = [];
  const server: Server = createServer((req, res) => {
    let data = '';
    req.on('data', (c) => {
      data += c;
    });
    req.on('end', () => {
      got.push({
        at: Date.now(),
        body: alertWebhookBodySchema.parse(JSON.parse(data)),
        headers: req.headers,
      });
      const status = statuses.shift() ?? 200;
      if (status === 0) return; // never answers: the sender's timeout must end it
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return { got, url: `http://127.0.0.1:${port}/hook/SECRET-PATH`, close: () => server.closeAllConnections() };
}

const body = (id: string, status: 'firing' | 'resolved' = 'firing'): AlertWebhookBody => ({
  text: `[${status.toUpperCase()}] x`,
  status,
  id,
  rule: 'down',
  kind: 'node-unreachable',
  cluster: 'lab',
  node: 'h2',
  summary: 'lab/h2 is unreachable',
  value: null,
  since: '2026-01-01T00:00:00.000Z',
  firedAt: '2026-01-01T00:00:01.000Z',
  resolvedAt: null,
  source: 'walboard',
});

const closers: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0)) await c();
});

async function sender(statuses: number[], delivery: Partial<{ attempts: number; timeoutMs: number }> = {}) {
  const r = await receiver(statuses);
  const outcomes: DeliveryOutcome[] = [];
  const s = new WebhookSender(
    {
      name: 'ops',
      url: r.url,
      headers: { authorization: 'Bearer TOKEN-123' },
      secrets: [r.url, 'TOKEN-123'],
    },
    { attempts: 4, backoffMs: 40, maxBackoffMs: 100, timeoutMs: 300, ...delivery },
    (_b, o) => outcomes.push(o),
  );
  closers.push(() => s.close(), r.close);
  return { r, s, outcomes };
}

describe('WebhookSender (real HTTP on loopback)', () => {
  it('retries 5xx with doubling waits and delivers on the 3rd attempt', async () => {
    const { r, s, outcomes } = await sender([503, 500]);
    s.send(body('a'));
    await s.settled();
    expect(outcomes).toEqual([
      { webhook: 'ops', delivered: true, attempts: 3, httpStatus: 200, error: null },
    ]);
    expect(r.got).toHaveLength(3);
    const gaps = r.got.slice(1).map((g, i) => g.at - (r.got[i]?.at ?? 0));
    expect(gaps[0]).toBeGreaterThanOrEqual(35);
    expect(gaps[1]).toBeGreaterThanOrEqual(75);
    expect(r.got[0]?.headers.authorization).toBe('Bearer TOKEN-123');
    expect(r.got[0]?.headers['content-type']).toBe('application/json');
  });

  it('gives up after the bounded attempts (a hanging receiver times out); the error holds no secret', async () => {
    const { r, s, outcomes } = await sender([0, 502, 502, 502], { attempts: 3 });
    const t0 = Date.now();
    s.send(body('a'));
    await s.settled();
    expect(r.got).toHaveLength(3);
    expect(outcomes).toHaveLength(1);
    const [o] = outcomes;
    expect(o).toMatchObject({ delivered: false, attempts: 3, httpStatus: 502, error: 'answered HTTP 502' });
    // 300 ms timeout + 40 + 80 ms of backoff, and well under anything unbounded.
    expect(Date.now() - t0).toBeGreaterThanOrEqual(400);
    expect(Date.now() - t0).toBeLessThan(3000);
    expect(JSON.stringify(outcomes)).not.toMatch(/SECRET-PATH|TOKEN-123/);
  });

  it('a 4xx other than 408/429 is not retried', async () => {
    const { r, s, outcomes } = await sender([404]);
    s.send(body('a'));
    await s.settled();
    expect(r.got).toHaveLength(1);
    expect(outcomes[0]).toMatchObject({ delivered: false, attempts: 1, httpStatus: 404 });
  });

  it('keeps order: "resolved" is sent after its "firing", even when the firing needed retries', async () => {
    const { r, s } = await sender([500]);
    s.send(body('a', 'firing'));
    s.send(body('a', 'resolved'));
    await s.settled();
    expect(r.got.map((g) => g.body.status)).toEqual(['firing', 'firing', 'resolved']);
  });

  it('a receiver that refuses connections fails with a reason that names no URL', async () => {
    const r = await receiver([]);
    r.close();
    const outcomes: DeliveryOutcome[] = [];
    const url = 'http://127.0.0.1:9/hook/SECRET-PATH';
    const s = new WebhookSender(
      { name: 'gone', url, headers: {}, secrets: [url] },
      { attempts: 2, backoffMs: 10, maxBackoffMs: 10, timeoutMs: 500 },
      (_b, o) => outcomes.push(o),
    );
    s.send(body('a'));
    await s.settled();
    expect(outcomes[0]).toMatchObject({ delivered: false, attempts: 2, httpStatus: null });
    expect(outcomes[0]?.error).toMatch(/ECONNREFUSED|fetch failed/);
    expect(outcomes[0]?.error).not.toMatch(/SECRET-PATH/);
  });
});
