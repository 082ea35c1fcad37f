import { describe, expect, it } from 'vitest';
import { capabilitiesFor, majorOf } from './capabilities.ts';
import { sendersJsonColumn, sendersSelectSql } from './replication-sql.ts';
import { nodeStatusSql } from './status-sql.ts';

// Expected values are the rows of shared/docs/postgres-versions.md, one version per case.
describe('capabilities by server_version_num', () => {
  it('9.1 (from the 9.1 docs): xlog names, recovery.conf, trigger_file, exclusive backup only', () => {
    const c = capabilitiesFor(90124);
    expect(c.major).toBe('9.1');
    expect(c.walDir).toBe('pg_xlog');
    expect(c.fn).toMatchObject({
      currentLsn: 'pg_current_xlog_location',
      receiveLsn: 'pg_last_xlog_receive_location',
      replayLsn: 'pg_last_xlog_replay_location',
      lsnDiff: null,
      walfileName: 'pg_xlogfile_name',
      switchWal: 'pg_switch_xlog',
      isReplayPaused: 'pg_is_xlog_replay_paused',
    });
    expect(c.lsnType).toBe('text');
    expect(c.walLevelForStandby).toBe('hot_standby');
    expect(c.walKeepSetting.name).toBe('wal_keep_segments');
    expect(c.checkpointWalSetting).toEqual({ name: 'checkpoint_segments', unit: 'segments' });
    expect(c.hasWalLogHints).toBe(false);
    expect(c.hotStandbyDefault).toBe(false);
    expect(c.hasReplicationSlots).toBe(false);
    expect(c.standbyConfig).toBe('recovery.conf');
    expect(c.triggerFileSetting).toBe('trigger_file');
    expect(c.promoteMethods).toEqual(['pg_ctl', 'trigger-file']);
    expect(c.needsRecoveryTargetTimelineLatest).toBe(true);
    expect(c.backup.exclusive).toEqual({ start: 'pg_start_backup', stop: 'pg_stop_backup' });
    expect(c.backup.nonExclusive).toBeNull();
    expect(c.pgBasebackup).toEqual({ walStream: false, writeRecoveryConf: false });
    expect(c.statReplication).toEqual({
      pidColumn: 'procpid',
      lsnSuffix: '_location',
      hasLagColumns: false,
      hasReplyTime: false,
    });
    expect(c.walReceiver).toBeNull();
    expect(c.hasStatArchiver).toBe(false);
  });

  it('10: wal names, recovery.conf, wal_keep_segments, lag columns, received_lsn', () => {
    const c = capabilitiesFor(100023);
    expect(c.major).toBe('10');
    expect(c.walDir).toBe('pg_wal');
    expect(c.fn.currentLsn).toBe('pg_current_wal_lsn');
    expect(c.fn.lsnDiff).toBe('pg_wal_lsn_diff');
    expect(c.lsnType).toBe('pg_lsn');
    expect(c.walLevelForStandby).toBe('replica');
    expect(c.walKeepSetting).toEqual({ name: 'wal_keep_segments', unit: 'segments' });
    expect(c.checkpointWalSetting).toEqual({ name: 'max_wal_size', unit: 'MB' });
    expect(c.hasWalLogHints).toBe(true);
    expect(c.hotStandbyDefault).toBe(true);
    expect(c.standbyConfig).toBe('recovery.conf');
    expect(c.triggerFileSetting).toBe('trigger_file');
    expect(c.promoteMethods).toEqual(['pg_ctl', 'trigger-file']);
    expect(c.backup.exclusive).not.toBeNull();
    expect(c.backup.nonExclusive).toEqual({ start: 'pg_start_backup', stop: 'pg_stop_backup' });
    expect(c.statReplication).toEqual({
      pidColumn: 'pid',
      lsnSuffix: '_lsn',
      hasLagColumns: true,
      hasReplyTime: false,
    });
    expect(c.walReceiver).toEqual({ receivedLsnColumns: ['received_lsn'], hasSenderHost: false });
    expect(c.readyForReadOnlyLog).toMatch(/read only connections/);
  });

  it('11: like 10, and the WAL receiver knows its sender host', () => {
    const c = capabilitiesFor(110022);
    expect(c.standbyConfig).toBe('recovery.conf');
    expect(c.needsRecoveryTargetTimelineLatest).toBe(true);
    expect(c.walReceiver?.hasSenderHost).toBe(true);
    expect(c.promoteMethods).not.toContain('pg_promote');
  });

  it('12: standby.signal, promote_trigger_file, pg_promote(), reply_time', () => {
    const c = capabilitiesFor(120022);
    expect(c.standbyConfig).toBe('standby.signal');
    expect(c.triggerFileSetting).toBe('promote_trigger_file');
    expect(c.promoteMethods).toEqual(['pg_promote', 'pg_ctl', 'trigger-file']);
    expect(c.needsRecoveryTargetTimelineLatest).toBe(false);
    expect(c.walKeepSetting.name).toBe('wal_keep_segments');
    expect(c.statReplication.hasReplyTime).toBe(true);
    expect(c.walReceiver?.receivedLsnColumns).toEqual(['received_lsn']);
  });

  it('15: wal_keep_size, exclusive backup removed, pg_backup_start/stop, read-only spelling', () => {
    const c = capabilitiesFor(150018);
    expect(c.major).toBe('15');
    expect(c.walKeepSetting).toEqual({ name: 'wal_keep_size', unit: 'MB' });
    expect(c.backup.exclusive).toBeNull();
    expect(c.backup.nonExclusive).toEqual({ start: 'pg_backup_start', stop: 'pg_backup_stop' });
    expect(c.triggerFileSetting).toBe('promote_trigger_file');
    expect(c.walReceiver?.receivedLsnColumns).toEqual(['written_lsn', 'flushed_lsn']);
    expect(c.readyForReadOnlyLog).toBe('database system is ready to accept read-only connections');
  });

  it('16: no trigger file at all', () => {
    const c = capabilitiesFor(160014);
    expect(c.triggerFileSetting).toBeNull();
    expect(c.promoteMethods).toEqual(['pg_promote', 'pg_ctl']);
  });

  it('17 and 18: same replication surface as 16', () => {
    for (const v of [170010, 180004]) {
      const c = capabilitiesFor(v);
      expect(c.triggerFileSetting).toBeNull();
      expect(c.standbyConfig).toBe('standby.signal');
      expect(c.fn.replayLsn).toBe('pg_last_wal_replay_lsn');
      expect(c.statReplication).toEqual({
        pidColumn: 'pid',
        lsnSuffix: '_lsn',
        hasLagColumns: true,
        hasReplyTime: true,
      });
    }
    expect(capabilitiesFor(180004).major).toBe('18');
  });

  it('checkpoint_segments until 9.4, max_wal_size from 9.5; wal_log_hints from 9.4 (release notes)', () => {
    expect(capabilitiesFor(90424).checkpointWalSetting.name).toBe('checkpoint_segments');
    expect(capabilitiesFor(90500).checkpointWalSetting).toEqual({ name: 'max_wal_size', unit: 'MB' });
    expect(capabilitiesFor(180004).checkpointWalSetting.name).toBe('max_wal_size');
    expect(capabilitiesFor(90322).hasWalLogHints).toBe(false);
    expect(capabilitiesFor(90400).hasWalLogHints).toBe(true);
  });

  it('refuses versions older than 9.1', () => {
    expect(() => capabilitiesFor(90024)).toThrow(/needs 9.1 or newer/);
    expect(() => capabilitiesFor(Number.NaN)).toThrow();
  });

  it('names majors the way PostgreSQL does', () => {
    expect(majorOf(90124)).toBe('9.1');
    expect(majorOf(90605)).toBe('9.6');
    expect(majorOf(100000)).toBe('10');
  });
});

describe('status SQL per version', () => {
  it('uses the 9.1 function names and no 9.6+ views', () => {
    const sql = nodeStatusSql(capabilitiesFor(90124));
    expect(sql).toContain('pg_current_xlog_location()');
    expect(sql).toContain('pg_last_xlog_replay_location()');
    expect(sql).toContain('pg_xlogfile_name(');
    expect(sql).not.toContain('pg_stat_wal_receiver');
    expect(sql).not.toContain('pg_control_checkpoint');
    // 9.1 returns LSNs as text already: no pg_lsn cast anywhere.
    expect(sql).not.toContain(')::text');
  });

  it('uses the wal names and casts pg_lsn to text on 10+', () => {
    const sql = nodeStatusSql(capabilitiesFor(150018));
    expect(sql).toContain('(pg_current_wal_lsn())::text');
    expect(sql).toContain('(pg_last_wal_receive_lsn())::text');
    expect(sql).not.toMatch(/xlog/);
  });
});

describe('replication status SQL per version', () => {
  it('9.1: procpid and *_location columns, no lag/reply_time, no receiver or archiver view, senders in a second statement', () => {
    const caps = capabilitiesFor(90124);
    const senders = sendersSelectSql(caps);
    expect(senders).toContain('procpid AS pid');
    expect(senders).toContain('sent_location AS sent_lsn');
    expect(senders).toContain('replay_location AS replay_lsn');
    expect(senders).toContain('NULL::float8 AS replay_lag_ms');
    expect(senders).toContain('NULL::timestamptz AS reply_time');
    expect(senders).not.toMatch(/\b(sent|write|flush|replay)_lsn AS|replay_lag\)|reply_time AS/);
    expect(sendersJsonColumn(caps)).toBeNull();
    const sql = nodeStatusSql(caps);
    expect(sql).not.toContain('pg_stat_archiver');
    expect(sql).not.toContain('pg_stat_wal_receiver');
    expect(sql).toContain('NULL::bigint AS arch_archived_count');
    expect(sql).toContain("pg_ls_dir('pg_xlog/archive_status')");
    expect(sql).toContain('NULL::boolean AS restore_command_set');
    expect(sql).toContain('pg_last_xact_replay_timestamp()');
  });

  it('10: received_lsn, no sender_host, lag columns, pg_ls_dir(pg_wal/archive_status) for superusers, no reply_time', () => {
    const caps = capabilitiesFor(100023);
    const sql = nodeStatusSql(caps);
    expect(sql).toContain('(r.received_lsn)::text AS rcv_received_lsn');
    expect(sql).toContain('NULL::text AS rcv_sender_host');
    expect(sql).toContain("pg_ls_dir('pg_wal/archive_status', true, false)");
    expect(sql).toContain("current_setting('is_superuser') = 'on'");
    expect(sql).toContain('LEFT JOIN pg_stat_archiver a ON true');
    expect(sql).toContain('LEFT JOIN pg_stat_wal_receiver r ON true');
    expect(sql).toContain('json_agg(s)');
    expect(sql).toContain('(extract(epoch FROM replay_lag) * 1000)::float8 AS replay_lag_ms');
    expect(sql).toContain('NULL::timestamptz AS reply_time');
    expect(sql).toContain('NULL::boolean AS restore_command_set');
  });

  it('11: sender_host and sender_port', () => {
    const sql = nodeStatusSql(capabilitiesFor(110022));
    expect(sql).toContain('r.sender_host AS rcv_sender_host');
    expect(sql).toContain('r.sender_port AS rcv_sender_port');
    expect(sql).toContain('(r.received_lsn)::text');
  });

  it('12: reply_time, pg_ls_archive_statusdir(), restore_command readable', () => {
    const sql = nodeStatusSql(capabilitiesFor(120022));
    expect(sql).toContain('reply_time AS reply_time');
    expect(sql).toContain('pg_ls_archive_statusdir()');
    expect(sql).toContain("current_setting('restore_command', true)");
    expect(sql).toContain('(r.received_lsn)::text');
  });

  it('13–18: flushed_lsn replaces received_lsn', () => {
    for (const v of [130023, 150018, 180004]) {
      const sql = nodeStatusSql(capabilitiesFor(v));
      expect(sql).toContain('(r.flushed_lsn)::text AS rcv_received_lsn');
      expect(sql).not.toContain('received_lsn)');
    }
  });

  it('leaves the .ready count out when asked (the poller does that if listing fails)', () => {
    const caps = capabilitiesFor(150018);
    expect(nodeStatusSql(caps)).toContain('AS ready_files');
    expect(nodeStatusSql(caps, { readyFiles: false })).not.toContain('ready_files');
  });
});
