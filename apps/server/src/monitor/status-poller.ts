import type { NodeStatus } from '@walboard/shared/status';
import type { NodeSession, PgConnection } from '../nodes/node-session.ts';
import { nodeStatusSql, type StatusRow } from '../postgres/status-sql.ts';

export interface StatusPollerOptions {
  /** Time between the end of one poll and the start of the next. */
  intervalMs: number;
  /** A poll (or connect) slower than this marks PostgreSQL down: a silent network looks like this. */
  timeoutMs: number;
  /** Emit at least this often even when nothing changed, so "observed" stays fresh on the page. */
  heartbeatMs: number;
}

export const DEFAULT_POLLER_OPTIONS: StatusPollerOptions = {
  intervalMs: 250,
  timeoutMs: 1000,
  heartbeatMs: 2000,
};

/**
 * Polls one node with a single prepared statement over one persistent connection, and reports a
 * NodeStatus whenever something changed. One per node, whatever the number of viewers.
 */
export class StatusPoller {
  private conn: PgConnection | null = null;
  private timer: NodeJS.Timeout | null = null;
  private stopped = true;
  private last: NodeStatus | null = null;
  private lastEmitAt = 0;
  private pgReason: string | null = null;
  private sshReason: string | null = null;
  private unsubscribe: (() => void) | null = null;
  private polls = 0;
  /** A poll that outlived its timeout keeps running until pg gives up; never start a second one. */
  private inflight: Promise<StatusRow> | null = null;

  constructor(
    private readonly session: NodeSession,
    private readonly emit: (status: NodeStatus) => void,
    private readonly opts: StatusPollerOptions = DEFAULT_POLLER_OPTIONS,
  ) {}

  /** The latest status, for snapshots. */
  get current(): NodeStatus {
    return this.last ?? this.build(null);
  }

  /** Polls done so far (bench and tests read this to check cost per node). */
  get pollCount(): number {
    return this.polls;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.unsubscribe = this.session.transport.onStateChange((up, reason) => {
      this.sshReason = up ? null : reason;
      // The link state is news on its own: tell viewers now, not at the next tick.
      this.publish(
        this.last
          ? { ...this.last, ...this.reachability(this.last.reachability.pg === 'up') }
          : this.build(null),
      );
    });
    this.schedule(0);
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.unsubscribe?.();
    this.conn?.close();
    this.conn = null;
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.tick(), ms);
  }

  private async tick(): Promise<void> {
    let row: StatusRow | null = null;
    try {
      this.inflight ??= this.pollOnce().finally(() => {
        this.inflight = null;
      });
      row = await withTimeout(this.inflight, this.opts.timeoutMs, 'no answer');
      this.pgReason = null;
    } catch (err) {
      this.conn?.close();
      this.conn = null;
      this.pgReason = this.explain(err);
    }
    this.polls++;
    if (this.stopped) return;
    this.publish(this.build(row));
    this.schedule(this.opts.intervalMs);
  }

  private async pollOnce(): Promise<StatusRow> {
    if (!this.conn?.alive) {
      this.conn = await this.session.connect({
        connectTimeoutMs: this.opts.timeoutMs,
        queryTimeoutMs: this.opts.timeoutMs,
        applicationName: 'walboard-monitor',
      });
    }
    const caps = this.session.capabilities;
    if (!caps) throw new Error('server version unknown');
    const res = await this.conn.query<StatusRow>({ name: 'walboard_status', text: nodeStatusSql(caps) });
    const r = res.rows[0];
    if (!r) throw new Error('status query returned no row');
    return r;
  }

  private explain(err: unknown): string {
    const msg = err instanceof Error ? err.message : String(err);
    if (msg === 'no answer') {
      return `PostgreSQL on ${this.session.name} did not answer within ${this.opts.timeoutMs} ms`;
    }
    return msg;
  }

  private reachability(pgUp: boolean): Pick<NodeStatus, 'reachability'> {
    const ssh =
      this.session.transport.kind === 'ssh' ? (this.session.transport.isUp() ? 'up' : 'down') : null;
    const reason =
      ssh === 'down' ? (this.sshReason ?? 'ssh connection is down') : pgUp ? null : this.pgReason;
    return { reachability: { ssh, pg: pgUp ? 'up' : 'down', reason } };
  }

  private build(row: StatusRow | null): NodeStatus {
    const s = this.session;
    const versionNum = row ? Number(row.server_version_num) : (this.last?.versionNum ?? null);
    return {
      cluster: s.cluster,
      node: s.name,
      transport: s.config.transport,
      host: s.host,
      ...this.reachability(row !== null),
      role: row ? (row.in_recovery ? 'standby' : 'primary') : 'unknown',
      version: row?.server_version ?? this.last?.version ?? null,
      versionNum,
      timeline: row?.timeline ?? null,
      currentLsn: row?.current_lsn ?? null,
      receiveLsn: row?.receive_lsn ?? null,
      replayLsn: row?.replay_lsn ?? null,
      lastReplayTimestamp: null,
      senders: [],
      receiver: null,
      archiver: null,
      readyFiles: null,
      observedAt: new Date().toISOString(),
    };
  }

  private publish(next: NodeStatus): void {
    const now = Date.now();
    const changed = !this.last || !sameExceptTime(this.last, next);
    this.last = next;
    if (changed || now - this.lastEmitAt >= this.opts.heartbeatMs) {
      this.lastEmitAt = now;
      this.emit(next);
    }
  }
}

function sameExceptTime(a: NodeStatus, b: NodeStatus): boolean {
  return JSON.stringify({ ...a, observedAt: '' }) === JSON.stringify({ ...b, observedAt: '' });
}

function withTimeout<T>(p: Promise<T>, ms: number, message: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(message)), ms);
    p.then(
      (v) => {
        clearTimeout(t);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(t);
        reject(e);
      },
    );
  });
}
