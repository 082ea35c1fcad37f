/**
 * Every difference between PostgreSQL major versions that walboard relies on lives here, keyed by
 * server_version_num. Facts from shared/docs/postgres-versions.md (10–18 measured, 9.1 from the docs).
 * Nothing outside this file compares version numbers.
 */

export type StandbyConfigStyle = 'recovery.conf' | 'standby.signal';
export type PromoteMethod = 'pg_promote' | 'pg_ctl' | 'trigger-file';

export interface Capabilities {
  versionNum: number;
  /** "9.1", "10", … "18". */
  major: string;
  walDir: 'pg_xlog' | 'pg_wal';
  fn: {
    currentLsn: string;
    receiveLsn: string;
    replayLsn: string;
    lsnDiff: string | null;
    walfileName: string;
    switchWal: string;
    replayPause: string;
    replayResume: string;
    isReplayPaused: string;
    /** Assigns a transaction id (a write only a primary can make): txid_current, pg_current_xact_id 13+. */
    currentXactId: string;
  };
  /** Type the LSN functions return (cast to text for exact transport). */
  lsnType: 'text' | 'pg_lsn';
  walLevelForStandby: 'hot_standby' | 'replica';
  walKeepSetting: { name: 'wal_keep_segments'; unit: 'segments' } | { name: 'wal_keep_size'; unit: 'MB' };
  /** WAL written between automatic checkpoints: checkpoint_segments (≤ 9.4; FATAL from 9.5) or max_wal_size. */
  checkpointWalSetting:
    | { name: 'checkpoint_segments'; unit: 'segments' }
    | { name: 'max_wal_size'; unit: 'MB' };
  /** wal_log_hints exists (9.4+): on older servers the line in postgresql.conf stops the start. */
  hasWalLogHints: boolean;
  hotStandbyDefault: boolean;
  hasReplicationSlots: boolean;
  standbyConfig: StandbyConfigStyle;
  /** Setting that names the trigger file, or null when the version has none (16+). */
  triggerFileSetting: 'trigger_file' | 'promote_trigger_file' | null;
  promoteMethods: PromoteMethod[];
  /** ≤ 11: the default follows the backup's timeline, so 'latest' must be set to follow a promotion. */
  needsRecoveryTargetTimelineLatest: boolean;
  backup: {
    exclusive: { start: string; stop: string } | null;
    nonExclusive: { start: string; stop: string } | null;
  };
  pgBasebackup: { walStream: boolean; writeRecoveryConf: boolean };
  statReplication: {
    pidColumn: 'procpid' | 'pid';
    lsnSuffix: '_location' | '_lsn';
    hasLagColumns: boolean;
    hasReplyTime: boolean;
  };
  /** null when pg_stat_wal_receiver does not exist (before 9.6). */
  walReceiver: {
    receivedLsnColumns: ['received_lsn'] | ['written_lsn', 'flushed_lsn'];
    hasSenderHost: boolean;
  } | null;
  hasStatArchiver: boolean;
  hasControlFunctions: boolean;
  /**
   * How to count `.ready` files in the WAL archive_status dir: pg_ls_archive_statusdir() (12+,
   * grantable), pg_ls_dir(dir, missing_ok, include_dots) (9.5+; superuser on 10) or the one-argument
   * pg_ls_dir (9.1–9.4, superuser only).
   */
  readyFiles: { fn: 'pg_ls_archive_statusdir' } | { fn: 'pg_ls_dir'; dir: string; missingOk: boolean };
  /** `current_setting(name, missing_ok)` exists (9.6+): a missing setting gives NULL, not an error. */
  hasCurrentSettingMissingOk: boolean;
  /** restore_command is a server setting readable with current_setting (12+; before: recovery.conf). */
  restoreCommandIsSetting: boolean;
  /** json_agg exists (9.3+): every WAL sender row fits in one column of the status row. */
  hasJsonAgg: boolean;
  /** Log line a standby prints when it accepts queries: a parser must match the version's spelling. */
  readyForReadOnlyLog: string;
  /** How the replication role's password is stored and checked (pg_hba method). */
  passwordAuth: 'scram-sha-256' | 'md5';
  /** pg_hba_file_rules exists (10+): pg_hba.conf can be checked as the server parses it. */
  hasHbaFileRules: boolean;
  /** pg_stat_progress_basebackup exists (13+). */
  hasBasebackupProgress: boolean;
  /**
   * Low-level non-exclusive backup in one session: SQL to start it ($1 = label, fast checkpoint)
   * and to stop it (returns lsn, labelfile, spcmapfile) without PostgreSQL's own wait for the
   * archive, which checks only once a second: walboard waits for the archiver itself. null before
   * 9.6 (exclusive only).
   */
  lowLevelBackup: { start: string; stop: string } | null;
  /**
   * Where each standby setting is read and what applying a change needs: recovery.conf (≤ 11,
   * read at start only), or a server setting with its context (12: restart, 13/14+: reload).
   */
  standbySettingContext: {
    primaryConninfo: 'recovery.conf' | 'postmaster' | 'sighup';
    restoreCommand: 'recovery.conf' | 'postmaster' | 'sighup';
    /** 12+: postmaster on every version (a change needs a restart). */
    recoveryTargetTimeline: 'recovery.conf' | 'postmaster';
    /** 13+ reads a new slot name at a reload, with primary_conninfo. */
    primarySlotName: 'recovery.conf' | 'postmaster' | 'sighup';
    /** archive_cleanup_command and the trigger file setting: reload on 12+. */
    other: 'recovery.conf' | 'sighup';
  };
  /** `pg_ctl promote` waits for the promotion by default (10+); 9.x returns at once. */
  pgCtlPromoteWaits: boolean;
  /** pg_control_system() / pg_control_checkpoint() exist (9.6+): system id and redo file by SQL. */
  hasControlSql: boolean;
  /**
   * Longest archive_command, in bytes once %p/%f are filled in, that the archiver runs whole: up to
   * 15 it expands the setting into a MAXPGPATH (1024-byte) buffer and silently cuts what does not
   * fit (pgarch.c, 15: shell_archive.c), so the shell would run a truncated line; 16 builds it in
   * a growing string (replace_percent_placeholders). null = no limit. Measured on 15.18: a line of
   * 1023 expanded bytes ran whole; one of 1030 ran cut short, and the archiver counted it archived.
   */
  archiveCommandMaxBytes: number | null;
  /**
   * pg_rewind (9.5+): restoreTargetWal — --restore-target-wal exists (13+; the target's
   * restore_command fetches WAL its pg_wal lost); grants — what a non-superuser source role needs
   * (11+), null when only a superuser may be the source.
   */
  rewind: { restoreTargetWal: boolean; grants: string[] | null } | null;
}

/** "90100" → "9.1", "150018" → "15". */
export function majorOf(versionNum: number): string {
  if (versionNum >= 100000) return String(Math.floor(versionNum / 10000));
  return `${Math.floor(versionNum / 10000)}.${Math.floor((versionNum % 10000) / 100)}`;
}

/** The oldest version walboard knows how to talk to: the lab guide's 9.1. */
export const MIN_SUPPORTED_VERSION_NUM = 90100;

/** Capabilities of the server that reports this server_version_num. */
export function capabilitiesFor(versionNum: number): Capabilities {
  if (!Number.isInteger(versionNum) || versionNum < MIN_SUPPORTED_VERSION_NUM) {
    throw new Error(
      `PostgreSQL server_version_num ${versionNum} is not supported: walboard needs 9.1 or newer (server_version_num ≥ ${MIN_SUPPORTED_VERSION_NUM})`,
    );
  }
  const v = versionNum;
  const xlog = v < 100000;
  const wal = xlog ? 'xlog' : 'wal';
  const loc = xlog ? 'location' : 'lsn';
  return {
    versionNum: v,
    major: majorOf(v),
    walDir: xlog ? 'pg_xlog' : 'pg_wal',
    fn: {
      currentLsn: `pg_current_${wal}_${loc}`,
      receiveLsn: `pg_last_${wal}_receive_${loc}`,
      replayLsn: `pg_last_${wal}_replay_${loc}`,
      lsnDiff: v >= 100000 ? 'pg_wal_lsn_diff' : v >= 90200 ? 'pg_xlog_location_diff' : null,
      walfileName: `pg_${wal}file_name`,
      switchWal: `pg_switch_${wal}`,
      replayPause: `pg_${wal}_replay_pause`,
      replayResume: `pg_${wal}_replay_resume`,
      isReplayPaused: `pg_is_${wal}_replay_paused`,
      currentXactId: v >= 130000 ? 'pg_current_xact_id' : 'txid_current',
    },
    lsnType: v >= 90400 ? 'pg_lsn' : 'text',
    walLevelForStandby: v >= 90600 ? 'replica' : 'hot_standby',
    walKeepSetting:
      v >= 130000 ? { name: 'wal_keep_size', unit: 'MB' } : { name: 'wal_keep_segments', unit: 'segments' },
    checkpointWalSetting:
      v >= 90500 ? { name: 'max_wal_size', unit: 'MB' } : { name: 'checkpoint_segments', unit: 'segments' },
    hasWalLogHints: v >= 90400,
    hotStandbyDefault: v >= 100000,
    hasReplicationSlots: v >= 90400,
    standbyConfig: v >= 120000 ? 'standby.signal' : 'recovery.conf',
    triggerFileSetting: v >= 160000 ? null : v >= 120000 ? 'promote_trigger_file' : 'trigger_file',
    promoteMethods: [
      ...(v >= 120000 ? (['pg_promote'] as const) : []),
      'pg_ctl',
      ...(v < 160000 ? (['trigger-file'] as const) : []),
    ],
    needsRecoveryTargetTimelineLatest: v < 120000,
    backup: {
      exclusive: v < 150000 ? { start: 'pg_start_backup', stop: 'pg_stop_backup' } : null,
      nonExclusive:
        v >= 150000
          ? { start: 'pg_backup_start', stop: 'pg_backup_stop' }
          : v >= 90600
            ? { start: 'pg_start_backup', stop: 'pg_stop_backup' }
            : null,
    },
    pgBasebackup: { walStream: v >= 90200, writeRecoveryConf: v >= 90300 },
    statReplication: {
      pidColumn: v >= 90200 ? 'pid' : 'procpid',
      lsnSuffix: xlog ? '_location' : '_lsn',
      hasLagColumns: v >= 100000,
      hasReplyTime: v >= 120000,
    },
    walReceiver:
      v < 90600
        ? null
        : {
            receivedLsnColumns: v >= 130000 ? ['written_lsn', 'flushed_lsn'] : ['received_lsn'],
            hasSenderHost: v >= 110000,
          },
    hasStatArchiver: v >= 90400,
    hasControlFunctions: v >= 90600,
    readyFiles:
      v >= 120000
        ? { fn: 'pg_ls_archive_statusdir' }
        : { fn: 'pg_ls_dir', dir: `${xlog ? 'pg_xlog' : 'pg_wal'}/archive_status`, missingOk: v >= 90500 },
    hasCurrentSettingMissingOk: v >= 90600,
    restoreCommandIsSetting: v >= 120000,
    hasJsonAgg: v >= 90300,
    readyForReadOnlyLog:
      v >= 150000
        ? 'database system is ready to accept read-only connections'
        : 'database system is ready to accept read only connections',
    passwordAuth: v >= 100000 ? 'scram-sha-256' : 'md5',
    hasHbaFileRules: v >= 100000,
    hasBasebackupProgress: v >= 130000,
    lowLevelBackup:
      v >= 150000
        ? {
            start: 'SELECT pg_backup_start($1, true)::text AS lsn',
            stop: 'SELECT lsn::text AS lsn, labelfile, spcmapfile FROM pg_backup_stop(false)',
          }
        : v >= 100000
          ? {
              start: 'SELECT pg_start_backup($1, true, false)::text AS lsn',
              stop: 'SELECT lsn::text AS lsn, labelfile, spcmapfile FROM pg_stop_backup(false, false)',
            }
          : v >= 90600
            ? {
                start: 'SELECT pg_start_backup($1, true, false)::text AS lsn',
                stop: 'SELECT lsn::text AS lsn, labelfile, spcmapfile FROM pg_stop_backup(false)',
              }
            : null,
    standbySettingContext: {
      primaryConninfo: v >= 130000 ? 'sighup' : v >= 120000 ? 'postmaster' : 'recovery.conf',
      restoreCommand: v >= 140000 ? 'sighup' : v >= 120000 ? 'postmaster' : 'recovery.conf',
      recoveryTargetTimeline: v >= 120000 ? 'postmaster' : 'recovery.conf',
      primarySlotName: v >= 130000 ? 'sighup' : v >= 120000 ? 'postmaster' : 'recovery.conf',
      other: v >= 120000 ? 'sighup' : 'recovery.conf',
    },
    pgCtlPromoteWaits: v >= 100000,
    hasControlSql: v >= 90600,
    archiveCommandMaxBytes: v >= 160000 ? null : 1023,
    rewind:
      v < 90500
        ? null
        : {
            restoreTargetWal: v >= 130000,
            grants:
              v >= 110000
                ? [
                    'pg_catalog.pg_ls_dir(text, boolean, boolean)',
                    'pg_catalog.pg_stat_file(text, boolean)',
                    'pg_catalog.pg_read_binary_file(text)',
                    'pg_catalog.pg_read_binary_file(text, bigint, bigint, boolean)',
                  ]
                : null,
          },
  };
}
