import type { AlertWebhookBody } from '@walboard/shared/alerts';
import type { AlertDeliveryConfig } from '@walboard/shared/config';

/** A webhook with its secrets resolved (URL and token read from the environment at start). */
export interface WebhookTarget {
  name: string;
  url: string;
  headers: Record<string, string>;
  /** Strings never to show in a message (the URL, the token): replaced before anything is logged. */
  secrets: string[];
}

export interface DeliveryOutcome {
  webhook: string;
  delivered: boolean;
  attempts: number;
  /** Last HTTP status seen, if any answer came. */
  httpStatus: number | null;
  /** Why the last attempt failed, secrets removed; null when delivered. */
  error: string | null;
}

/** Messages waiting per webhook beyond which the oldest is given up (a receiver down for hours). */
const QUEUE_MAX = 100;

/** 408, 429 and 5xx may pass on a later try; other 4xx answers will not. */
const retryable = (status: number) => status === 408 || status === 429 || status >= 500;

/**
 * One webhook: messages are sent one at a time in order (a "resolved" never overtakes its
 * "firing"), each retried with doubling waits up to `attempts`. Nothing here is awaited by the
 * monitor: `send` only queues.
 */
export class WebhookSender {
  private readonly queue: AlertWebhookBody[] = [];
  private running = false;
  private readonly abort = new AbortController();
  private idle: Promise<void> = Promise.resolve();

  constructor(
    private readonly target: WebhookTarget,
    private readonly delivery: AlertDeliveryConfig,
    private readonly onOutcome: (body: AlertWebhookBody, outcome: DeliveryOutcome) => void,
    private readonly fetchImpl: typeof fetch = fetch,
  ) {}

  get name(): string {
    return this.target.name;
  }

  send(body: AlertWebhookBody): void {
    if (this.abort.signal.aborted) return;
    this.queue.push(body);
    if (this.queue.length > QUEUE_MAX) {
      const dropped = this.queue.shift();
      if (dropped)
        this.onOutcome(dropped, {
          webhook: this.target.name,
          delivered: false,
          attempts: 0,
          httpStatus: null,
          error: `more than ${QUEUE_MAX} messages waiting for webhook "${this.target.name}": the oldest was given up`,
        });
    }
    if (!this.running) {
      this.running = true;
      this.idle = this.drain();
    }
  }

  /** Resolves once every queued message was delivered or given up (tests, shutdown). */
  settled(): Promise<void> {
    return this.idle;
  }

  /** Stops at once: in-flight requests and waits are aborted, queued messages dropped. */
  async close(): Promise<void> {
    this.abort.abort();
    this.queue.length = 0;
    await this.idle;
  }

  private async drain(): Promise<void> {
    try {
      for (let body = this.queue.shift(); body; body = this.queue.shift()) {
        const outcome = await this.deliver(body);
        if (this.abort.signal.aborted) return;
        this.onOutcome(body, outcome);
      }
    } finally {
      this.running = false;
    }
  }

  private async deliver(body: AlertWebhookBody): Promise<DeliveryOutcome> {
    const { attempts, backoffMs, maxBackoffMs, timeoutMs } = this.delivery;
    const json = JSON.stringify(body);
    let httpStatus: number | null = null;
    let error = 'not tried';
    let tried = 0;
    for (let attempt = 1; attempt <= attempts; attempt++) {
      if (attempt > 1) {
        const wait = Math.min(maxBackoffMs, backoffMs * 2 ** (attempt - 2));
        if (!(await sleep(wait, this.abort.signal))) break;
      }
      tried = attempt;
      try {
        const res = await this.fetchImpl(this.target.url, {
          method: 'POST',
          headers: { ...this.target.headers, 'content-type': 'application/json' },
          body: json,
          redirect: 'error',
          signal: AbortSignal.any([this.abort.signal, AbortSignal.timeout(timeoutMs)]),
        });
        httpStatus = res.status;
        // The body is not needed; reading it frees the connection.
        await res.arrayBuffer().catch(() => undefined);
        if (res.ok)
          return { webhook: this.target.name, delivered: true, attempts: attempt, httpStatus, error: null };
        error = `answered HTTP ${res.status}`;
        if (!retryable(res.status)) {
          return { webhook: this.target.name, delivered: false, attempts: attempt, httpStatus, error };
        }
      } catch (err) {
        error = describe(err, timeoutMs);
      }
      if (this.abort.signal.aborted) break;
    }
    return {
      webhook: this.target.name,
      delivered: false,
      attempts: tried,
      httpStatus,
      error: this.scrub(error),
    };
  }

  private scrub(text: string): string {
    let out = text;
    for (const s of this.target.secrets) if (s) out = out.split(s).join('[secret]');
    return out;
  }
}

function describe(err: unknown, timeoutMs: number): string {
  const e = err as Error & { cause?: { code?: string; message?: string } };
  if (e.name === 'TimeoutError') return `no answer within ${timeoutMs} ms`;
  if (e.name === 'AbortError') return 'walboard stopped before the message was delivered';
  const cause = e.cause?.code ?? e.cause?.message;
  return cause ? `${e.message} (${cause})` : e.message;
}

/** false when aborted before the time was up. */
function sleep(ms: number, signal: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve(false);
    const t = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      resolve(false);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
