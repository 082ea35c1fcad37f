import type { Alert, AlertList, AlertWebhookBody } from '@walboard/shared/alerts';
import type { AlertRuleConfig, AlertsConfig } from '@walboard/shared/config';
import type { Operation } from '@walboard/shared/operations';
import type { AuditLog } from '../audit/audit-log.ts';
import type { EventLog } from '../logging/event-log.ts';
import type { MonitorBus } from '../monitor/monitor-bus.ts';
import { AlertEngine } from './alert-engine.ts';
import { type DeliveryOutcome, WebhookSender, type WebhookTarget } from './webhook-sender.ts';

export interface AlertsServiceDeps {
  config: AlertsConfig;
  env: NodeJS.ProcessEnv;
  bus: MonitorBus;
  audit: AuditLog;
  /** To the page: each alert as it fires or resolves (the hub sends it to the cluster's room). */
  publish: (alert: Alert) => void;
  /** The server log's lines for alerts: names only, never a URL or token. */
  events: Pick<EventLog, 'alertChanged' | 'alertNotDelivered' | 'alertsFault'>;
  fetchImpl?: typeof fetch;
}

/** Reads each webhook's URL and token; a name pointing at an unset variable stops the start. */
export function resolveWebhooks(config: AlertsConfig, env: NodeJS.ProcessEnv): WebhookTarget[] {
  return config.webhooks.map((w) => {
    const url = w.url ?? (w.urlEnv ? env[w.urlEnv] : undefined);
    if (!url) {
      throw new Error(
        `alerts.webhooks "${w.name}": urlEnv names ${w.urlEnv}, but that environment variable is not set: set it to the webhook's URL`,
      );
    }
    try {
      const u = new URL(url);
      if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error('not http');
    } catch {
      throw new Error(
        `alerts.webhooks "${w.name}": the URL in ${w.urlEnv ?? 'url'} is not an http:// or https:// URL`,
      );
    }
    const headers: Record<string, string> = { ...(w.headers ?? {}) };
    const secrets = [url];
    if (w.tokenEnv) {
      const token = env[w.tokenEnv];
      if (!token) {
        throw new Error(
          `alerts.webhooks "${w.name}": tokenEnv names ${w.tokenEnv}, but that environment variable is not set: set it to the token the receiver expects`,
        );
      }
      headers.authorization = `Bearer ${token}`;
      secrets.push(token);
    }
    return { name: w.name, url, headers, secrets };
  });
}

/** Slack shows `text`; the prefix makes firing and resolved tell apart in a channel. */
export function webhookBody(alert: Alert): AlertWebhookBody {
  const tag = alert.status === 'firing' ? 'FIRING' : 'RESOLVED';
  return {
    text: `[${tag}] walboard ${alert.rule} (${alert.kind}): ${alert.summary}`,
    status: alert.status,
    id: alert.id,
    rule: alert.rule,
    kind: alert.kind,
    cluster: alert.cluster,
    node: alert.node,
    summary: alert.summary,
    value: alert.value,
    since: alert.since,
    firedAt: alert.firedAt,
    resolvedAt: alert.resolvedAt,
    source: 'walboard',
  };
}

/**
 * Alerts wired to the rest of walboard: the monitor bus and the operation runner feed the engine;
 * each transition is audited, published to the page and queued for its webhooks.
 */
export class AlertsService {
  private readonly engine: AlertEngine;
  private readonly senders = new Map<string, WebhookSender>();
  private readonly offs: (() => void)[] = [];

  constructor(private readonly deps: AlertsServiceDeps) {
    for (const target of resolveWebhooks(deps.config, deps.env)) {
      this.senders.set(
        target.name,
        new WebhookSender(
          target,
          deps.config.delivery,
          (body, out) => this.delivered(body, out),
          deps.fetchImpl,
        ),
      );
    }
    // Guarded: a for-window ends in a timer, where a throw would take the whole server down.
    this.engine = new AlertEngine({
      rules: deps.config.rules,
      onChange: (a, r) => this.guard(() => this.changed(a, r)),
    });
  }

  /** Subscribes to the bus (call once the monitor is about to start). */
  start(): void {
    if (this.deps.config.rules.length === 0) return;
    this.offs.push(
      this.deps.bus.on('status', (s) => this.guard(() => this.engine.observeStatus(s))),
      this.deps.bus.on('links', (ev) => this.guard(() => this.engine.observeLinks(ev))),
    );
  }

  /** Every operation change from the runner; only finished ones count. */
  observeOperation(op: Operation): void {
    this.guard(() => this.engine.observeOperation(op));
  }

  list(visible?: (cluster: string) => boolean): AlertList {
    return this.engine.list(visible);
  }

  /** Resolves once every webhook's queue is empty (tests). */
  async settled(): Promise<void> {
    await Promise.all([...this.senders.values()].map((s) => s.settled()));
  }

  async close(): Promise<void> {
    for (const off of this.offs.splice(0)) off();
    this.engine.stop();
    await Promise.all([...this.senders.values()].map((s) => s.close()));
  }

  /** An alert bug must never stop the bus's other listeners (the page, the lag history). */
  private guard(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.deps.events.alertsFault((err as Error).message);
    }
  }

  private changed(alert: Alert, rule: AlertRuleConfig): void {
    const fired = alert.status === 'firing';
    const target = alert.node ? `${alert.cluster}/${alert.node}` : alert.cluster;
    const hooks = rule.webhooks ?? [...this.senders.keys()];
    this.deps.audit.record({
      actor: null,
      source: 'walboard',
      action: fired ? 'alert.fired' : 'alert.resolved',
      target,
      detail: {
        id: alert.id,
        rule: alert.rule,
        kind: alert.kind,
        value: alert.value,
        since: alert.since,
        webhooks: hooks,
      },
      result: 'ok',
      message: `${fired ? 'alert fired' : 'alert resolved'}: ${alert.rule}: ${alert.summary}`,
    });
    this.deps.events.alertChanged(alert);
    this.deps.publish(alert);
    const body = webhookBody(alert);
    for (const name of hooks) this.senders.get(name)?.send(body);
  }

  private delivered(body: AlertWebhookBody, out: DeliveryOutcome): void {
    if (out.delivered) return;
    const target = body.node ? `${body.cluster}/${body.node}` : body.cluster;
    this.deps.audit.record({
      actor: null,
      source: 'walboard',
      action: 'alert.delivery-failed',
      target,
      detail: {
        id: body.id,
        rule: body.rule,
        status: body.status,
        webhook: out.webhook,
        attempts: out.attempts,
        httpStatus: out.httpStatus,
      },
      result: 'failed',
      message: `the ${body.status} message of alert ${body.rule} on ${target} was not delivered to webhook "${out.webhook}" after ${out.attempts} attempt(s): ${out.error}. Check the receiver; later alerts are still sent`,
    });
    this.deps.events.alertNotDelivered({
      cluster: body.cluster,
      node: body.node,
      rule: body.rule,
      webhook: out.webhook,
      attempts: out.attempts,
      error: out.error ?? 'no answer',
    });
  }
}
