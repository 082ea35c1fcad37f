import type { Alert } from '@walboard/shared/alerts';
import type { Operation, OperationRequest } from '@walboard/shared/operations';
import type { NodeStatus } from '@walboard/shared/status';
import type { FastifyBaseLogger } from 'fastify';
import type { ConfigError } from '../config/config-error.ts';

/** The part of a pino/Fastify logger the events need. */
export type EventSink = Pick<FastifyBaseLogger, 'info' | 'warn' | 'error' | 'debug'>;

/**
 * Why a sign-in was refused; `limited`: a limit is engaged (the attempt was not even checked).
 * `user` null: the name typed is no account, and is not written — it may be a password typed
 * into the wrong field.
 */
export interface SignInRefusal {
  user: string | null;
  address: string;
  reason: string;
  limited: boolean;
}

/** The same limited refusal (user, address) is told once per window, then at debug level. */
const REFUSAL_QUIET_MS = 60_000;
const MAX_QUIET_KEYS = 1000;
/** A node that stays down but whose reason keeps changing: this many lines a minute, then debug. */
const REASON_CHANGES_PER_MINUTE = 3;

const seconds = (from: string, to: string | null): number =>
  Math.max(0, ((to ? Date.parse(to) : Date.now()) - Date.parse(from)) / 1000);

/**
 * The events a person running walboard wants to see, written as one line each through the
 * controller's logger: every emit point calls here, so wording and fields stay the same
 * everywhere. Each line carries `event` (a stable name for machines) and cluster/node when it
 * is about one. No secret is ever passed in: user names and addresses, never passwords.
 */
export class EventLog {
  /** "cluster/node" → the reachability last told ("ssh/pg"), its reason, recent reason-only changes. */
  private readonly reach = new Map<string, { state: string; reason: string | null; changes: number[] }>();
  private readonly quietRefusals = new Map<string, number>();

  constructor(
    private readonly log: EventSink,
    private readonly clock: () => number = Date.now,
  ) {}

  /**
   * Called with every status poll: writes a line only when the node's reachability or the reason
   * it is down changes (and for the first poll), so a steady node stays silent.
   */
  nodeStatus(s: NodeStatus): void {
    const key = `${s.cluster}/${s.node}`;
    const { ssh, pg, reason } = s.reachability;
    const state = `${ssh ?? '-'}/${pg}`;
    const up = pg === 'up' && (ssh === null || ssh === 'up');
    const before = this.reach.get(key);
    if (before?.state === state && (up || before.reason === reason)) return;
    const now = this.clock();
    // Only the reason changed (the first error of a connection, then the real one): told, unless
    // a node flapping between reasons would fill the log.
    const changes = before?.state === state ? [...before.changes.filter((t) => now - t < 60_000), now] : [];
    this.reach.set(key, { state, reason, changes });
    const fields = { event: '', cluster: s.cluster, node: s.node, ssh, pg, role: s.role };
    if (up) {
      this.log.info({ ...fields, event: 'node.up' }, `node up (${s.role})`);
      return;
    }
    const why = reason ?? `ssh ${ssh ?? 'n/a'}, PostgreSQL ${pg}`;
    const line = `node down: ${why}`;
    if (changes.length > REASON_CHANGES_PER_MINUTE)
      this.log.debug({ ...fields, event: 'node.down', reason: why }, line);
    else this.log.warn({ ...fields, event: 'node.down', reason: why }, line);
  }

  operationStarted(op: Operation): void {
    this.log.info(
      {
        event: 'operation.started',
        cluster: op.cluster,
        node: op.node,
        operation: op.id,
        type: op.type,
        by: op.requestedBy,
      },
      `${op.type} started by ${op.requestedBy} (operation ${op.id.slice(0, 8)})`,
    );
  }

  operationEnded(op: Operation): void {
    const took = seconds(op.createdAt, op.finishedAt);
    const fields = {
      event: 'operation.ended',
      cluster: op.cluster,
      node: op.node,
      operation: op.id,
      type: op.type,
      outcome: op.state,
      durationMs: Math.round(took * 1000),
    };
    const line = `${op.type} ${op.state} after ${took.toFixed(1)} s: ${op.message}`;
    if (op.state === 'succeeded') this.log.info(fields, line);
    else this.log.warn(fields, line);
  }

  /**
   * An operation request that did not start. Sending a destructive plan back without `confirm`
   * is the page's normal first step, so that one is told at debug level only.
   */
  operationRefused(r: {
    cluster: string;
    req: OperationRequest;
    by: string;
    code: string;
    message: string;
    /** The plan answered with "confirm first": the page's normal first step. */
    askedToConfirm?: boolean;
  }): void {
    const fields = {
      event: 'operation.refused',
      cluster: r.cluster,
      node: r.req.node,
      type: r.req.type,
      by: r.by,
      code: r.code,
    };
    const line = `${r.req.type} on ${r.req.node} refused for ${r.by}: ${r.message}`;
    if (r.askedToConfirm) this.log.debug(fields, line);
    else this.log.warn(fields, line);
  }

  /** An alert that fired or resolved: its rule and summary (no webhook URL or token). */
  alertChanged(a: Alert): void {
    const fired = a.status === 'firing';
    const fields = {
      event: fired ? 'alert.fired' : 'alert.resolved',
      cluster: a.cluster,
      ...(a.node ? { node: a.node } : {}),
      rule: a.rule,
      kind: a.kind,
      alert: a.id,
    };
    const line = `alert ${fired ? 'firing' : 'resolved'}: ${a.rule}: ${a.summary}`;
    if (fired) this.log.warn(fields, line);
    else this.log.info(fields, line);
  }

  /** A webhook that did not take an alert's message after every retry (the error names no secret). */
  alertNotDelivered(r: {
    cluster: string;
    node: string | null;
    rule: string;
    webhook: string;
    attempts: number;
    error: string;
  }): void {
    this.log.warn(
      {
        event: 'alert.delivery-failed',
        cluster: r.cluster,
        ...(r.node ? { node: r.node } : {}),
        rule: r.rule,
        webhook: r.webhook,
        attempts: r.attempts,
      },
      `alert ${r.rule}: webhook "${r.webhook}" failed after ${r.attempts} attempt(s): ${r.error}`,
    );
  }

  /** The alert engine itself went wrong on one update (the other listeners carry on). */
  alertsFault(message: string): void {
    this.log.warn({ event: 'alerts.fault' }, `alerts: could not evaluate or announce an alert: ${message}`);
  }

  signInRefused(r: SignInRefusal): void {
    const user = r.user?.slice(0, 63) ?? null;
    const fields = { event: 'signin.refused', user, address: r.address, reason: r.reason };
    const who = user === null ? 'an unknown user name' : `"${user}"`;
    const line = `sign-in refused for ${who} from ${r.address}: ${r.reason}`;
    if (!r.limited) {
      this.log.warn(fields, line);
      return;
    }
    // Under a flood only the first refusal of each (user, address) per minute is a warning.
    const key = `${user}\u0000${r.address}`;
    const now = this.clock();
    const last = this.quietRefusals.get(key);
    if (last !== undefined && now - last < REFUSAL_QUIET_MS) {
      this.log.debug(fields, line);
      return;
    }
    if (this.quietRefusals.size >= MAX_QUIET_KEYS) this.quietRefusals.clear();
    this.quietRefusals.set(key, now);
    this.log.warn({ ...fields, quietForMs: REFUSAL_QUIET_MS }, `${line} (repeats are quiet for 60 s)`);
  }

  /** walboard.yaml refused: one line per problem, each with its file, line and field. */
  configInvalid(err: ConfigError): void {
    for (const p of err.problems) {
      const where = p.line === null ? err.file : `${err.file}:${p.line}`;
      this.log.error(
        { event: 'config.invalid', file: err.file, line: p.line, column: p.column, field: p.field },
        `config problem: ${where} ${p.field || '(top level)'}: ${p.message}`,
      );
    }
  }

  /** A setting that is valid but will not work as it stands (a missing variable, an unpinned key). */
  configWarning(message: string, where: { cluster?: string; node?: string } = {}): void {
    this.log.warn({ event: 'config.warning', ...where }, `config: ${message}`);
  }
}
