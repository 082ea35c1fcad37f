import type { Alert, AlertList } from '@walboard/shared/alerts';
import type { AlertRuleConfig } from '@walboard/shared/config';
import type { LinksEvent } from '@walboard/shared/events';
import type { Operation } from '@walboard/shared/operations';
import type { NodeStatus } from '@walboard/shared/status';
import {
  DEFAULT_FOR_SECONDS,
  lagGone,
  linkNode,
  observeLag,
  observeOperation,
  observeStatus,
} from './alert-conditions.ts';
import { type ConditionKey, ConditionTracker, type Observation } from './condition-tracker.ts';

/** Resolved alerts kept for the page (the audit trail keeps them all). */
const RECENT_MAX = 200;

export interface AlertEngineOptions {
  rules: readonly AlertRuleConfig[];
  /** Called on each transition with the alert as it is now (firing, or resolved). */
  onChange: (alert: Alert, rule: AlertRuleConfig) => void;
  now?: () => number;
}

interface RuleEntry {
  rule: AlertRuleConfig;
  tracker: ConditionTracker;
}

const idOf = (rule: string, k: ConditionKey, firedAt: number) =>
  `${rule}/${k.cluster}/${k.node ?? '-'}/${firedAt}`;
const firingKey = (rule: string, k: ConditionKey) => `${rule}\u0000${k.cluster}\u0000${k.node ?? ''}`;

/**
 * Rules against the monitor's live state and the operations' outcomes. It never polls: the
 * service feeds it what the bus and the runner publish. One tracker per rule holds the states.
 */
export class AlertEngine {
  private readonly rules: RuleEntry[];
  private readonly firing = new Map<string, Alert>();
  private readonly resolved: Alert[] = [];
  private readonly now: () => number;

  constructor(private readonly opts: AlertEngineOptions) {
    this.now = opts.now ?? Date.now;
    this.rules = opts.rules.map((rule) => {
      const forMs = (rule.forSeconds ?? DEFAULT_FOR_SECONDS[rule.kind]) * 1000;
      const tracker = new ConditionTracker(
        forMs,
        {
          fire: (key, since, obs) => this.fired(rule, key, since, obs),
          resolve: (key, obs) => this.ended(rule, key, obs),
        },
        this.now,
      );
      return { rule, tracker };
    });
  }

  observeStatus(status: NodeStatus): void {
    for (const { rule, tracker } of this.rules) {
      if (!covers(rule, status.cluster, status.node)) continue;
      const obs = observeStatus(rule.kind, status);
      if (obs) tracker.observe({ cluster: status.cluster, node: status.node }, obs);
    }
  }

  observeLinks(ev: LinksEvent): void {
    for (const { rule, tracker } of this.rules) {
      if (rule.kind !== 'lag-bytes' && rule.kind !== 'lag-seconds') continue;
      if (rule.cluster !== undefined && rule.cluster !== ev.cluster) continue;
      const seen = new Set<string>();
      for (const link of ev.links) {
        // A base backup (a clone running) streams from the primary too: its "lag" is a copy's progress.
        if (link.state === 'backup') continue;
        const node = linkNode(link);
        if (node === null || !covers(rule, ev.cluster, node)) continue;
        seen.add(node);
        const obs = observeLag(rule.kind, rule.threshold ?? 0, ev.cluster, link);
        if (obs) tracker.observe({ cluster: ev.cluster, node }, obs);
      }
      for (const key of tracker.tracked(ev.cluster)) {
        if (key.node !== null && !seen.has(key.node)) tracker.observe(key, lagGone(ev.cluster, key.node));
      }
    }
  }

  observeOperation(op: Operation): void {
    const obs = observeOperation(op);
    if (!obs) return;
    for (const { rule, tracker } of this.rules) {
      if (rule.kind !== 'operation-failed') continue;
      if (rule.cluster !== undefined && rule.cluster !== op.cluster) continue;
      if (rule.nodes && !rule.nodes.includes(op.node)) continue;
      tracker.observe({ cluster: op.cluster, node: null }, obs);
    }
  }

  /** Firing now, and the most recent resolved ones; newest first. */
  list(visible: (cluster: string) => boolean = () => true): AlertList {
    const newest = (a: Alert, b: Alert) => b.firedAt.localeCompare(a.firedAt);
    return {
      current: [...this.firing.values()].filter((a) => visible(a.cluster)).sort(newest),
      recent: this.resolved.filter((a) => visible(a.cluster)),
    };
  }

  stop(): void {
    for (const { tracker } of this.rules) tracker.stop();
  }

  private fired(rule: AlertRuleConfig, key: ConditionKey, since: number, obs: Observation): void {
    const at = this.now();
    const alert: Alert = {
      id: idOf(rule.name, key, at),
      rule: rule.name,
      kind: rule.kind,
      status: 'firing',
      cluster: key.cluster,
      node: key.node,
      summary: obs.summary,
      value: obs.value,
      since: new Date(since).toISOString(),
      firedAt: new Date(at).toISOString(),
      resolvedAt: null,
    };
    this.firing.set(firingKey(rule.name, key), alert);
    this.opts.onChange(alert, rule);
  }

  private ended(rule: AlertRuleConfig, key: ConditionKey, obs: Observation): void {
    const k = firingKey(rule.name, key);
    const was = this.firing.get(k);
    if (!was) return;
    this.firing.delete(k);
    const alert: Alert = {
      ...was,
      status: 'resolved',
      summary: obs.summary,
      value: obs.value,
      resolvedAt: new Date(this.now()).toISOString(),
    };
    this.resolved.unshift(alert);
    if (this.resolved.length > RECENT_MAX) this.resolved.length = RECENT_MAX;
    this.opts.onChange(alert, rule);
  }
}

/** Does the rule watch this node of this cluster? */
function covers(rule: AlertRuleConfig, cluster: string, node: string): boolean {
  if (rule.cluster !== undefined && rule.cluster !== cluster) return false;
  return rule.nodes === undefined || rule.nodes.includes(node);
}
