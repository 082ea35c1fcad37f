import type { Capabilities } from './capabilities.ts';

/** Columns every status poll returns, whatever the version. */
export interface StatusRow {
  in_recovery: boolean;
  server_version: string;
  server_version_num: string;
  timeline: number | null;
  current_lsn: string | null;
  receive_lsn: string | null;
  replay_lsn: string | null;
}

/**
 * One statement, prepared once per session and run every tick: all a node card needs in one round
 * trip. Functions that fail in recovery (current LSN, WAL file name) are guarded by CASE.
 */
export function nodeStatusSql(caps: Capabilities): string {
  const t = (expr: string) => (caps.lsnType === 'pg_lsn' ? `(${expr})::text` : expr);
  // On a primary the current WAL file name starts with the live timeline; on a standby the
  // receiver knows the timeline it streams, and the last restartpoint is the fallback.
  const primaryTli = `('x' || substr(${caps.fn.walfileName}(${caps.fn.currentLsn}()), 1, 8))::bit(32)::int`;
  const standbyTli = caps.hasControlFunctions
    ? `coalesce(${caps.walReceiver ? '(SELECT received_tli FROM pg_stat_wal_receiver)' : 'NULL'}, (SELECT timeline_id FROM pg_control_checkpoint()))`
    : 'NULL::int';
  return [
    'SELECT pg_is_in_recovery() AS in_recovery,',
    "  current_setting('server_version') AS server_version,",
    "  current_setting('server_version_num') AS server_version_num,",
    `  CASE WHEN pg_is_in_recovery() THEN ${standbyTli} ELSE ${primaryTli} END AS timeline,`,
    `  CASE WHEN pg_is_in_recovery() THEN NULL ELSE ${t(`${caps.fn.currentLsn}()`)} END AS current_lsn,`,
    `  ${t(`${caps.fn.receiveLsn}()`)} AS receive_lsn,`,
    `  ${t(`${caps.fn.replayLsn}()`)} AS replay_lsn`,
  ].join('\n');
}
