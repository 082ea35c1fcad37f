import type { Capabilities } from './capabilities.ts';

/**
 * SQL fragments for the replication part of a node's status, built from Capabilities only: the
 * same screens on 9.1 and on 18. Views a version lacks give NULL columns, never an error.
 */

/** An LSN expression as exact text (pg_lsn is 9.4+; older versions already return text). */
export function lsnText(caps: Capabilities, expr: string): string {
  return caps.lsnType === 'pg_lsn' ? `(${expr})::text` : expr;
}

/** An interval column as milliseconds (float), NULL staying NULL. */
const ms = (col: string) => `(extract(epoch FROM ${col}) * 1000)::float8`;

/**
 * One row per WAL sender (pg_stat_replication), with the same column names on every version.
 * Ordered so that an unchanged set of senders gives the same text (no needless emits).
 */
export function sendersSelectSql(caps: Capabilities): string {
  const r = caps.statReplication;
  const lsn = (name: string) => lsnText(caps, `${name}${r.lsnSuffix}`);
  return [
    `SELECT ${r.pidColumn} AS pid, application_name, host(client_addr) AS client_addr, state,`,
    `  ${lsn('sent')} AS sent_lsn, ${lsn('write')} AS write_lsn,`,
    `  ${lsn('flush')} AS flush_lsn, ${lsn('replay')} AS replay_lsn,`,
    r.hasLagColumns
      ? `  ${ms('write_lag')} AS write_lag_ms, ${ms('flush_lag')} AS flush_lag_ms, ${ms('replay_lag')} AS replay_lag_ms,`
      : '  NULL::float8 AS write_lag_ms, NULL::float8 AS flush_lag_ms, NULL::float8 AS replay_lag_ms,',
    '  sync_state,',
    `  ${r.hasReplyTime ? 'reply_time' : 'NULL::timestamptz'} AS reply_time`,
    'FROM pg_stat_replication',
    `ORDER BY application_name, ${r.pidColumn}`,
  ].join('\n');
}

/**
 * All senders as one JSON column (9.3+), so the primary's status stays ONE statement; NULL when
 * there are none. Older versions run sendersSelectSql as a second statement instead.
 */
export function sendersJsonColumn(caps: Capabilities): string | null {
  if (!caps.hasJsonAgg) return null;
  const inner = sendersSelectSql(caps)
    .split('\n')
    .map((l) => `    ${l}`)
    .join('\n');
  return `(SELECT json_agg(s) FROM (\n${inner}\n  ) s) AS senders`;
}

/** Columns of pg_stat_wal_receiver (alias r), NULL where the version has no such column. */
export function receiverColumns(caps: Capabilities): string[] {
  const w = caps.walReceiver;
  if (!w) {
    return [
      'NULL::int AS rcv_pid',
      'NULL::text AS rcv_status',
      'NULL::text AS rcv_sender_host',
      'NULL::int AS rcv_sender_port',
      'NULL::text AS rcv_received_lsn',
      'NULL::int AS rcv_received_tli',
      'NULL::timestamptz AS rcv_last_msg_send_time',
      'NULL::timestamptz AS rcv_last_msg_receipt_time',
      'NULL::text AS rcv_latest_end_lsn',
      'NULL::timestamptz AS rcv_latest_end_time',
      'NULL::text AS rcv_slot_name',
    ];
  }
  // 13+ split received_lsn into written_lsn and flushed_lsn; flushed is what is safe on disk.
  const received = w.receivedLsnColumns.length === 2 ? 'r.flushed_lsn' : 'r.received_lsn';
  return [
    'r.pid AS rcv_pid',
    'r.status AS rcv_status',
    w.hasSenderHost ? 'r.sender_host AS rcv_sender_host' : 'NULL::text AS rcv_sender_host',
    w.hasSenderHost ? 'r.sender_port AS rcv_sender_port' : 'NULL::int AS rcv_sender_port',
    `${lsnText(caps, received)} AS rcv_received_lsn`,
    'r.received_tli AS rcv_received_tli',
    'r.last_msg_send_time AS rcv_last_msg_send_time',
    'r.last_msg_receipt_time AS rcv_last_msg_receipt_time',
    `${lsnText(caps, 'r.latest_end_lsn')} AS rcv_latest_end_lsn`,
    'r.latest_end_time AS rcv_latest_end_time',
    'r.slot_name AS rcv_slot_name',
  ];
}

/** Columns of pg_stat_archiver (alias a); NULL before 9.4. */
export function archiverColumns(caps: Capabilities): string[] {
  const cols = [
    ['archived_count', 'bigint'],
    ['last_archived_wal', 'text'],
    ['last_archived_time', 'timestamptz'],
    ['failed_count', 'bigint'],
    ['last_failed_wal', 'text'],
    ['last_failed_time', 'timestamptz'],
    ['stats_reset', 'timestamptz'],
  ] as const;
  return cols.map(([c, type]) =>
    caps.hasStatArchiver ? `a.${c} AS arch_${c}` : `NULL::${type} AS arch_${c}`,
  );
}

/** FROM clause joining the one-row views the version has (each gives at most one row). */
export function statusFromClause(caps: Capabilities): string {
  return [
    'FROM (SELECT 1) AS one',
    ...(caps.hasStatArchiver ? ['LEFT JOIN pg_stat_archiver a ON true'] : []),
    ...(caps.walReceiver ? ['LEFT JOIN pg_stat_wal_receiver r ON true'] : []),
  ].join('\n');
}

/**
 * Count of `.ready` files (segments waiting for archive_command), guarded so that a role without
 * the right to list the directory gets NULL instead of a failed poll. The uncorrelated subquery
 * becomes an InitPlan, which PostgreSQL only runs when the CASE branch is taken.
 */
export function readyFilesColumn(caps: Capabilities): string {
  const rf = caps.readyFiles;
  if (rf.fn === 'pg_ls_archive_statusdir') {
    return [
      "CASE WHEN has_function_privilege('pg_catalog.pg_ls_archive_statusdir()', 'EXECUTE')",
      "  THEN (SELECT count(*) FROM pg_ls_archive_statusdir() WHERE name LIKE '%.ready') END AS ready_files",
    ].join('\n');
  }
  // ≤ 11: pg_ls_dir is superuser-only on 10 (grantable from 11; superuser is what we check).
  const call = rf.missingOk ? `pg_ls_dir('${rf.dir}', true, false)` : `pg_ls_dir('${rf.dir}')`;
  return [
    "CASE WHEN current_setting('is_superuser') = 'on'",
    `  THEN (SELECT count(*) FROM ${call} AS f(name) WHERE name LIKE '%.ready') END AS ready_files`,
  ].join('\n');
}

/**
 * Whether the node restores WAL from an archive (restore_command set): a server setting from 12;
 * before that it lives in recovery.conf, which SQL cannot read without file access, so NULL.
 * restore_command is superuser-only to read: other roles get NULL rather than an error.
 */
export function restoreCommandColumn(caps: Capabilities): string {
  if (!caps.restoreCommandIsSetting || !caps.hasCurrentSettingMissingOk) {
    return 'NULL::boolean AS restore_command_set';
  }
  return [
    "CASE WHEN current_setting('is_superuser') = 'on' OR pg_has_role('pg_read_all_settings', 'MEMBER')",
    "  THEN coalesce(current_setting('restore_command', true), '') <> '' END AS restore_command_set",
  ].join('\n');
}
