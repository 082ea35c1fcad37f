import type { Capabilities } from './capabilities.ts';
import {
  archiverColumns,
  readyFilesColumn,
  receiverColumns,
  restoreCommandColumn,
  sendersJsonColumn,
  statusFromClause,
} from './replication-sql.ts';

/** One WAL sender as the status SQL returns it (as JSON on 9.3+, as a row before). */
export interface SenderRow {
  pid: number;
  application_name: string | null;
  client_addr: string | null;
  state: string | null;
  sent_lsn: string | null;
  write_lsn: string | null;
  flush_lsn: string | null;
  replay_lsn: string | null;
  write_lag_ms: number | null;
  flush_lag_ms: number | null;
  replay_lag_ms: number | null;
  sync_state: string | null;
  /** A Date from a row, an ISO string from JSON. */
  reply_time: Date | string | null;
}

type Ts = Date | null;

/** Columns every status poll returns, whatever the version (NULL where the version lacks them). */
export interface StatusRow {
  in_recovery: boolean;
  server_version: string;
  server_version_num: string;
  timeline: number | null;
  current_lsn: string | null;
  receive_lsn: string | null;
  replay_lsn: string | null;
  last_replay_timestamp: Ts;
  /** Absent when the version has no json_agg (senders come from a second statement then). */
  senders?: SenderRow[] | null;
  rcv_pid: number | null;
  rcv_status: string | null;
  rcv_sender_host: string | null;
  rcv_sender_port: number | null;
  rcv_received_lsn: string | null;
  rcv_received_tli: number | null;
  rcv_last_msg_send_time: Ts;
  rcv_last_msg_receipt_time: Ts;
  rcv_latest_end_lsn: string | null;
  rcv_latest_end_time: Ts;
  rcv_slot_name: string | null;
  /** bigint: pg returns it as text. */
  arch_archived_count: string | null;
  arch_last_archived_wal: string | null;
  arch_last_archived_time: Ts;
  arch_failed_count: string | null;
  arch_last_failed_wal: string | null;
  arch_last_failed_time: Ts;
  arch_stats_reset: Ts;
  /** bigint count, or NULL when this role may not list the directory (or it was left out). */
  ready_files?: string | null;
  restore_command_set: boolean | null;
}

export interface StatusSqlOptions {
  /**
   * Count .ready files in the same statement. The poller drops it (per connection) if the listing
   * fails on some server, so that a directory problem never fails the whole poll.
   */
  readyFiles: boolean;
}

/**
 * One statement, prepared once per session and run every tick: all a node card needs in one round
 * trip. Functions that fail in recovery (current LSN, WAL file name) are guarded by CASE.
 */
export function nodeStatusSql(caps: Capabilities, opts: StatusSqlOptions = { readyFiles: true }): string {
  const t = (expr: string) => (caps.lsnType === 'pg_lsn' ? `(${expr})::text` : expr);
  // On a primary the current WAL file name starts with the live timeline; on a standby the
  // receiver knows the timeline it streams, and the last restartpoint is the fallback.
  const primaryTli = `('x' || substr(${caps.fn.walfileName}(${caps.fn.currentLsn}()), 1, 8))::bit(32)::int`;
  const standbyTli = caps.hasControlFunctions
    ? `coalesce(${caps.walReceiver ? 'r.received_tli' : 'NULL'}, (SELECT timeline_id FROM pg_control_checkpoint()))`
    : 'NULL::int';
  return [
    'SELECT pg_is_in_recovery() AS in_recovery,',
    "  current_setting('server_version') AS server_version,",
    "  current_setting('server_version_num') AS server_version_num,",
    `  CASE WHEN pg_is_in_recovery() THEN ${standbyTli} ELSE ${primaryTli} END AS timeline,`,
    `  CASE WHEN pg_is_in_recovery() THEN NULL ELSE ${t(`${caps.fn.currentLsn}()`)} END AS current_lsn,`,
    `  ${t(`${caps.fn.receiveLsn}()`)} AS receive_lsn,`,
    `  ${t(`${caps.fn.replayLsn}()`)} AS replay_lsn,`,
    '  pg_last_xact_replay_timestamp() AS last_replay_timestamp,',
    ...receiverColumns(caps).map((c) => `  ${c},`),
    ...archiverColumns(caps).map((c) => `  ${c},`),
    ...(sendersJsonColumn(caps) ? [`  ${sendersJsonColumn(caps)},`] : []),
    ...(opts.readyFiles ? [`  ${indent(readyFilesColumn(caps))},`] : []),
    `  ${indent(restoreCommandColumn(caps))}`,
    statusFromClause(caps),
  ].join('\n');
}

const indent = (sql: string) => sql.split('\n').join('\n  ');
