import type { NodeStatus, WalSender } from '@walboard/shared/status';
import { type NodeSession, type PgConnection, serverStateOf } from '../nodes/node-session.ts';
import { SshTransport } from '../nodes/ssh-transport.ts';
import { sendersSelectSql } from '../postgres/replication-sql.ts';
import {
  findArchiveError,
  isoOrNull,
  toArchiver,
  toWalReceiver,
  toWalSender,
} from '../postgres/status-row.ts';
import { nodeStatusSql, type SenderRow, type StatusRow } from '../postgres/status-sql.ts';
import { WalTimeline } from './wal-timeline.ts';

/** One poll's answer: the status row and the WAL senders (inline on 9.3+, a second query before). */
interface Poll {
  row: StatusRow;
  senders: WalSender[];
}

export interface StatusPollerOptions {
  /** Time between the end of one poll and the start of the next. */
  intervalMs: number;
  /** A poll (or connect) slower than this marks PostgreSQL down: a silent network looks like this. */
  timeoutMs: number;
  /** Emit at least this often even when nothing changed, so "observed" stays fresh on the page. */
  heartbeatMs: number;
  /** Changes are emitted at most this often per node (the first at once, the latest after the gap). */
  minEmitGapMs: number;
}

// 20 polls a second cost ~0.2 ms each on a persistent session with a prepared statement (~0.5 % of
// one core per node) and keep commit → page under 150 ms; viewers still get at most 10 emits/s.
export const DEFAULT_POLLER_OPTIONS: StatusPollerOptions = {
  intervalMs: 50,
  timeoutMs: 1000,
  heartbeatMs: 2000,
  minEmitGapMs: 100,
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
  private trailing: NodeJS.Timeout | null = null;
  private pgReason: string | null = null;
  /** The last poll got no answer in time (not a refusal): through a tunnel, the link is silent. */
  private pgTimedOut = false;
  /** The server refused the last connection saying it is shutting down or starting up. */
  private pgRefusedAs: 'shutting-down' | 'starting-up' | null = null;
  private sshReason: string | null = null;
  private unsubscribe: (() => void)[] = [];
  private polls = 0;
  /** A poll that outlived its timeout keeps running until pg gives up; never start a second one. */
  private inflight: Promise<Poll> | null = null;
  /** Cleared for the life of a connection when listing archive_status fails there. */
  private readyFilesOnConn = true;
  /** Why .ready files are not counted on this connection (kept for diagnostics). */
  readyFilesProblem: string | null = null;
  /** restore_command is set on the node (12+); null when unknown. Links read it. */
  restoreCommandSet: boolean | null = null;
  /** The archiver failure (last_failed_time) whose log line was last looked up, and what was found. */
  private archiveErrorFor: string | null = null;
  private archiveError: string | null = null;
  private archiveLookup: Promise<void> | null = null;
  /** When this node, as a primary, was first seen at each WAL position (links time lag with it). */
  readonly walTimeline = new WalTimeline();
  /** Log lookups done (one per new archive failure, never per poll); tests read it. */
  archiveLogLookups = 0;

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
    const t = this.session.transport;
    this.unsubscribe.push(
      t.onStateChange((up, reason) => {
        this.sshReason = up ? null : reason;
        // The link state is news on its own: tell viewers now, not at the next tick.
        this.republish();
      }),
    );
    if (t instanceof SshTransport) {
      // ssh transports connect from the start: the link may have failed before this poller existed.
      this.sshReason = t.downReason();
      // A host key change is news too (a mismatch alarm, a newly offered key, a pin).
      this.unsubscribe.push(t.onHostKeyChange(() => this.republish()));
    }
    this.schedule(0);
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.trailing) clearTimeout(this.trailing);
    this.trailing = null;
    for (const off of this.unsubscribe.splice(0)) off();
    this.conn?.close();
    this.conn = null;
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.tick(), ms);
  }

  private async tick(): Promise<void> {
    let row: Poll | null = null;
    try {
      this.inflight ??= this.pollOnce().finally(() => {
        this.inflight = null;
      });
      row = await withTimeout(this.inflight, this.opts.timeoutMs, 'no answer');
      this.pgReason = null;
      this.pgTimedOut = false;
      this.pgRefusedAs = null;
    } catch (err) {
      this.conn?.close();
      this.conn = null;
      this.pgReason = this.explain(err);
      this.pgTimedOut = isTimeout(err);
      this.pgRefusedAs = serverStateOf(err);
    }
    this.polls++;
    if (this.stopped) return;
    this.publish(this.build(row));
    this.schedule(this.opts.intervalMs);
  }

  private async pollOnce(): Promise<Poll> {
    if (!this.conn?.alive) {
      this.conn = await this.session.connect({
        connectTimeoutMs: this.opts.timeoutMs,
        queryTimeoutMs: this.opts.timeoutMs,
        applicationName: 'walboard-monitor',
      });
      this.readyFilesOnConn = true;
    }
    const conn = this.conn;
    const caps = this.session.capabilities;
    if (!caps) throw new Error('server version unknown');
    let r: StatusRow | undefined;
    if (this.readyFilesOnConn) {
      try {
        r = (await conn.query<StatusRow>({ name: 'walboard_status', text: nodeStatusSql(caps) })).rows[0];
      } catch (err) {
        // Only a statement error is the listing's fault; a dead connection fails the next try too.
        if (!conn.alive) throw err;
        this.readyFilesOnConn = false;
        this.readyFilesProblem = err instanceof Error ? err.message : String(err);
      }
    }
    if (!this.readyFilesOnConn) {
      const text = nodeStatusSql(caps, { readyFiles: false });
      r = (await conn.query<StatusRow>({ name: 'walboard_status_noready', text })).rows[0];
    }
    if (!r) throw new Error('status query returned no row');
    let senderRows: SenderRow[] = r.senders ?? [];
    // Before 9.3 (no json_agg) the primary's senders take a second statement.
    if (!caps.hasJsonAgg && !r.in_recovery) {
      senderRows = (await conn.query<SenderRow>({ name: 'walboard_senders', text: sendersSelectSql(caps) }))
        .rows;
    }
    return { row: r, senders: senderRows.map(toWalSender) };
  }

  /**
   * Looks up the archiver's error line in the server log, once per NEW failure (a new
   * last_failed_time), never per poll; the poll itself never waits for it.
   */
  private noteArchiveFailure(failedAt: string | null, failing: boolean): void {
    if (!failing) {
      this.archiveErrorFor = null;
      this.archiveError = null;
      return;
    }
    if (failedAt === this.archiveErrorFor || this.archiveLookup) return;
    const logFile = this.session.config.postgres.logFile;
    this.archiveErrorFor = failedAt;
    if (!logFile) return;
    this.archiveLogLookups++;
    this.archiveLookup = this.session.transport
      .exec(['tail', '-n', '3000', logFile], { timeoutMs: 5000 })
      .then(
        (res) => findArchiveError(res.stdout),
        () => null,
      )
      .then((found) => {
        this.archiveLookup = null;
        if (this.archiveErrorFor !== failedAt) return;
        // Keep the previous line if the new one is not (yet) in the log.
        this.archiveError = found ?? this.archiveError;
        if (this.last?.archiver?.failing && !this.stopped) {
          this.publish({ ...this.last, archiver: { ...this.last.archiver, lastError: this.archiveError } });
        }
      });
  }

  private explain(err: unknown): string {
    const msg = err instanceof Error ? err.message : String(err);
    if (msg === 'no answer') {
      return `PostgreSQL on ${this.session.name} did not answer within ${this.opts.timeoutMs} ms`;
    }
    return msg;
  }

  /** The last status with fresh link and host key state. */
  private republish(): void {
    this.publish(
      this.last
        ? {
            ...this.last,
            ...this.reachability(this.last.reachability.pg === 'up'),
            ...this.hostKey(),
          }
        : this.build(null),
    );
  }

  /** ssh nodes only: local nodes have no host key, and no hostKey field. */
  private hostKey(): Pick<NodeStatus, 'hostKey'> {
    const t = this.session.transport;
    return t instanceof SshTransport ? { hostKey: t.hostKeyStatus() } : {};
  }

  private reachability(pgUp: boolean): Pick<NodeStatus, 'reachability'> {
    const t = this.session.transport;
    let ssh: NodeStatus['reachability']['ssh'] = t.kind === 'ssh' ? (t.isUp() ? 'up' : 'down') : null;
    // The keepalive needs a few seconds to declare a silent link dead; a poll through the tunnel
    // that got nothing back within its timeout already says the link carries nothing now.
    const tunnelled = t.kind === 'ssh' && this.session.config.postgres.connect === 'tunnel';
    if (ssh === 'up' && !pgUp && this.pgTimedOut && tunnelled) ssh = 'not-answering';
    const reason =
      ssh === 'down'
        ? (this.sshReason ?? 'ssh connection is down')
        : ssh === 'not-answering'
          ? `${this.pgReason ?? 'no answer'}: nothing came back through the ssh connection to ${this.session.name} (${this.session.host}) either — the host or the network is not answering; the ssh keepalive will declare the link down if it stays silent`
          : pgUp
            ? null
            : this.pgReason;
    const pg = pgUp ? 'up' : (this.pgRefusedAs ?? 'down');
    return { reachability: { ssh, pg, reason } };
  }

  private build(poll: Poll | null): NodeStatus {
    const s = this.session;
    const row = poll?.row ?? null;
    const versionNum = row ? Number(row.server_version_num) : (this.last?.versionNum ?? null);
    const archiver = row ? toArchiver(row, this.archiveError) : null;
    if (row) {
      this.restoreCommandSet = row.restore_command_set;
      this.noteArchiveFailure(archiver?.lastFailedTime ?? null, archiver?.failing ?? false);
      if (archiver) archiver.lastError = archiver.failing ? this.archiveError : null;
    }
    const observedAt = new Date();
    // Only a primary's positions make a timeline. While it is unreachable the record stays: the
    // first position seen after the gap is timed late, which can only make lag read shorter.
    if (row && !row.in_recovery && row.current_lsn !== null) {
      this.walTimeline.record(row.current_lsn, row.timeline ?? null, observedAt.getTime());
    } else if (row) {
      this.walTimeline.clear();
    }
    return {
      cluster: s.cluster,
      node: s.name,
      transport: s.config.transport,
      host: s.host,
      ...this.reachability(row !== null),
      ...this.hostKey(),
      role: row ? (row.in_recovery ? 'standby' : 'primary') : 'unknown',
      version: row?.server_version ?? this.last?.version ?? null,
      versionNum,
      timeline: row?.timeline ?? null,
      currentLsn: row?.current_lsn ?? null,
      receiveLsn: row?.receive_lsn ?? null,
      replayLsn: row?.replay_lsn ?? null,
      lastReplayTimestamp: isoOrNull(row?.last_replay_timestamp),
      senders: poll?.senders ?? [],
      receiver: row ? toWalReceiver(row) : null,
      archiver,
      readyFiles:
        row?.ready_files === null || row?.ready_files === undefined ? null : Number(row.ready_files),
      observedAt: observedAt.toISOString(),
    };
  }

  private publish(next: NodeStatus): void {
    const now = Date.now();
    const changed = !this.last || !sameExceptTime(this.last, next);
    this.last = next;
    if (!changed && now - this.lastEmitAt < this.opts.heartbeatMs) return;
    const wait = this.lastEmitAt + this.opts.minEmitGapMs - now;
    if (wait <= 0) {
      this.flush();
    } else {
      // Within the gap: one trailing emit carries whatever is latest by then.
      this.trailing ??= setTimeout(() => this.flush(), wait);
    }
  }

  private flush(): void {
    if (this.trailing) clearTimeout(this.trailing);
    this.trailing = null;
    if (!this.last || this.stopped) return;
    this.lastEmitAt = Date.now();
    this.emit(this.last);
  }
}

function sameExceptTime(a: NodeStatus, b: NodeStatus): boolean {
  return JSON.stringify({ ...a, observedAt: '' }) === JSON.stringify({ ...b, observedAt: '' });
}

/** Our own poll timeout, or the driver's connect/query timeout: no answer, as opposed to a refusal. */
function isTimeout(err: unknown): boolean {
  const msg = err instanceof Error ? err.message : String(err);
  return msg === 'no answer' || /timeout|timed out/i.test(msg);
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
