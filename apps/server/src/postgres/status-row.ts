import type { Archiver, WalReceiver, WalSender } from '@walboard/shared/status';
import type { SenderRow, StatusRow } from './status-sql.ts';

/** Timestamps travel as ISO text; a Date (row) and a JSON string (json_agg) give the same result. */
export function isoOrNull(v: Date | string | null | undefined): string | null {
  if (v === null || v === undefined) return null;
  const d = v instanceof Date ? v : new Date(v);
  return Number.isNaN(d.getTime()) ? null : d.toISOString();
}

const numOrNull = (v: number | string | null | undefined): number | null =>
  v === null || v === undefined ? null : Number(v);

/** One pg_stat_replication row as the contract shapes it; NULL lags stay null (caught up and idle). */
export function toWalSender(r: SenderRow): WalSender {
  return {
    pid: Number(r.pid),
    applicationName: r.application_name ?? '',
    clientAddr: r.client_addr,
    state: r.state ?? 'unknown',
    sentLsn: r.sent_lsn,
    writeLsn: r.write_lsn,
    flushLsn: r.flush_lsn,
    replayLsn: r.replay_lsn,
    writeLagMs: numOrNull(r.write_lag_ms),
    flushLagMs: numOrNull(r.flush_lag_ms),
    replayLagMs: numOrNull(r.replay_lag_ms),
    syncState: r.sync_state,
    replyTime: isoOrNull(r.reply_time),
  };
}

/** pg_stat_wal_receiver; null when no WAL receiver runs (a primary, or a standby not streaming). */
export function toWalReceiver(r: StatusRow): WalReceiver | null {
  if (r.rcv_pid === null && r.rcv_status === null) return null;
  return {
    pid: r.rcv_pid,
    status: r.rcv_status ?? 'unknown',
    senderHost: r.rcv_sender_host,
    senderPort: r.rcv_sender_port,
    receivedLsn: r.rcv_received_lsn,
    receivedTli: r.rcv_received_tli,
    lastMsgSendTime: isoOrNull(r.rcv_last_msg_send_time),
    lastMsgReceiptTime: isoOrNull(r.rcv_last_msg_receipt_time),
    latestEndLsn: r.rcv_latest_end_lsn,
    latestEndTime: isoOrNull(r.rcv_latest_end_time),
    slotName: r.rcv_slot_name,
  };
}

/**
 * Whether archiving is failing now: the last failure is newer than the last success, or it has
 * failed and never succeeded (since the stats were reset).
 */
export function archiverFailing(lastArchivedTime: string | null, lastFailedTime: string | null): boolean {
  if (lastFailedTime === null) return false;
  if (lastArchivedTime === null) return true;
  return Date.parse(lastFailedTime) > Date.parse(lastArchivedTime);
}

/** pg_stat_archiver plus `failing`; lastError is filled by the caller (it comes from the log). */
export function toArchiver(r: StatusRow, lastError: string | null): Archiver | null {
  if (r.arch_archived_count === null) return null;
  const lastArchivedTime = isoOrNull(r.arch_last_archived_time);
  const lastFailedTime = isoOrNull(r.arch_last_failed_time);
  const failing = archiverFailing(lastArchivedTime, lastFailedTime);
  return {
    archivedCount: Number(r.arch_archived_count),
    lastArchivedWal: r.arch_last_archived_wal,
    lastArchivedTime,
    failedCount: Number(r.arch_failed_count ?? 0),
    lastFailedWal: r.arch_last_failed_wal,
    lastFailedTime,
    statsReset: isoOrNull(r.arch_stats_reset),
    failing,
    lastError: failing ? lastError : null,
  };
}

/**
 * The archiver's own error from the tail of a server log: the last "archive command failed …"
 * (or "terminated by signal", "exited with unrecognized status") line, with the DETAIL line that
 * names the command, after what the command itself printed just before it (its stderr lands in
 * the log as bare lines, e.g. rsync's "No space left on device"): that output is the reason, the
 * server's lines only say that it failed. Spelling is the same on 9.1–18. null when the log has no
 * such line.
 */
export function findArchiveError(logText: string): string | null {
  const lines = logText.split('\n');
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = lines[i] ?? '';
    if (!ARCHIVE_FAILURE.test(line)) continue;
    const next = lines[i + 1] ?? '';
    const output: string[] = [];
    for (let j = i - 1; j >= 0 && output.length < COMMAND_OUTPUT_LINES; j--) {
      const prev = (lines[j] ?? '').trimEnd();
      if (SERVER_LINE.test(prev)) break;
      if (prev !== '') output.unshift(prev);
    }
    return [...output, line.trimEnd(), ...(/DETAIL:/.test(next) ? [next.trimEnd()] : [])].join('\n');
  }
  return null;
}

/** A line the server wrote itself: whatever log_line_prefix, its level comes with two spaces. */
const SERVER_LINE =
  /\b(LOG|WARNING|ERROR|FATAL|PANIC|DETAIL|HINT|STATEMENT|CONTEXT|NOTICE|INFO|DEBUG[1-5]?): {2}/;
/** The last lines a failing command printed (rsync writes two or three). */
const COMMAND_OUTPUT_LINES = 6;

const ARCHIVE_FAILURE =
  /archive command (failed with exit code|was terminated by (signal|exception)|exited with unrecognized status)/;
