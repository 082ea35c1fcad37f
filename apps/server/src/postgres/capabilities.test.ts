import { describe, expect, it } from 'vitest';
import { capabilitiesFor, majorOf } from './capabilities.ts';
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
    expect(sql).not.toContain('::text');
  });

  it('uses the wal names and casts pg_lsn to text on 10+', () => {
    const sql = nodeStatusSql(capabilitiesFor(150018));
    expect(sql).toContain('(pg_current_wal_lsn())::text');
    expect(sql).toContain('(pg_last_wal_receive_lsn())::text');
    expect(sql).not.toMatch(/xlog/);
  });
});
