// A webhook receiver for the alert tests: a real HTTP server on loopback that records every
// request (parsed with the schema the sender uses) and answers `failFirst` requests with 503.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type AlertWebhookBody, alertWebhookBodySchema } from '@walboard/shared/alerts';

export interface ReceivedRequest {
  at: number;
  answered: number;
  body: AlertWebhookBody;
}

export interface WebhookReceiver {
  url: string;
  requests: ReceivedRequest[];
  /** Messages answered 2xx: what a person would have seen. */
  delivered(): AlertWebhookBody[];
  /** Resolves at the first delivered message matching `pred` (or rejects after timeoutMs). */
  waitFor(pred: (b: AlertWebhookBody) => boolean, timeoutMs: number, what: string): Promise<ReceivedRequest>;
  close(): Promise<void>;
}

export async function startReceiver(
  opts: { failFirst?: number; alwaysFail?: boolean } = {},
): Promise<WebhookReceiver> {
  const requests: ReceivedRequest[] = [];
  const waiters = new Set<() => void>();
  let failLeft = opts.failFirst ?? 0;
  const server = createServer((req, res) => {
    let data = '';
    req.on('data', (c) => {
      data += c;
    });
    req.on('end', () => {
      const fail = opts.alwaysFail === true || failLeft-- > 0;
      const answered = fail ? 503 : 204;
      requests.push({ at: Date.now(), answered, body: alertWebhookBodySchema.parse(JSON.parse(data)) });
      res.writeHead(answered).end();
      for (const w of waiters) w();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  const delivered = () => requests.filter((r) => r.answered < 300).map((r) => r.body);
  return {
    url: `http://127.0.0.1:${port}/walboard-hook`,
    requests,
    delivered,
    waitFor(pred, timeoutMs, what) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const hit = requests.find((r) => r.answered < 300 && pred(r.body));
          if (!hit) return;
          waiters.delete(check);
          clearTimeout(timer);
          resolve(hit);
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(
            new Error(
              `no ${what} within ${timeoutMs} ms; received: ${JSON.stringify(requests.map((r) => [r.answered, r.body.status, r.body.rule, r.body.node]))}`,
            ),
          );
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
