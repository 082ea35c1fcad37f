import { describe, expect, it } from 'vitest';
import { archiverFailing, findArchiveError, toWalSender } from './status-row.ts';

describe('archiverFailing', () => {
  it.each([
    [null, null, false],
    ['2025-01-01T00:00:05Z', null, false],
    [null, '2025-01-01T00:00:05Z', true],
    ['2025-01-01T00:00:05Z', '2025-01-01T00:00:06Z', true],
    ['2025-01-01T00:00:07Z', '2025-01-01T00:00:06Z', false],
  ])('archived %s, failed %s → %s', (archived, failed, want) => {
    expect(archiverFailing(archived, failed)).toBe(want);
  });
});

describe('findArchiveError', () => {
  // Lines as PostgreSQL 15 writes them with the default log_line_prefix ('%m [%p] ').
  const log = [
    '2025-01-01 10:00:00.000 UTC [100] LOG:  database system is ready to accept connections',
    '2025-01-01 10:00:01.000 UTC [101] LOG:  archive command failed with exit code 1',
    '2025-01-01 10:00:01.000 UTC [101] DETAIL:  The failed archive command was: /bin/false',
    '2025-01-01 10:00:02.000 UTC [101] LOG:  archive command failed with exit code 127',
    '2025-01-01 10:00:02.000 UTC [101] DETAIL:  The failed archive command was: cp pg_wal/000000010000000000000003 /nope/000000010000000000000003',
    '2025-01-01 10:00:03.000 UTC [101] WARNING:  archiving write-ahead log file "000000010000000000000003" failed too many times, will try again later',
    '',
  ].join('\n');

  it('returns the LAST failure line with its DETAIL line', () => {
    expect(findArchiveError(log)).toBe(
      '2025-01-01 10:00:02.000 UTC [101] LOG:  archive command failed with exit code 127\n' +
        '2025-01-01 10:00:02.000 UTC [101] DETAIL:  The failed archive command was: cp pg_wal/000000010000000000000003 /nope/000000010000000000000003',
    );
  });

  it('knows the signal spelling, and a line without DETAIL', () => {
    expect(
      findArchiveError('x LOG:  archive command was terminated by signal 9: Killed\nx LOG:  other'),
    ).toBe('x LOG:  archive command was terminated by signal 9: Killed');
  });

  it("puts the command's own output (bare lines just before the failure) first: that is the reason", () => {
    const rsync = [
      '2025-01-01 10:00:00.000 UTC [100] LOG:  checkpoint complete',
      'rsync: [receiver] write failed on "/archive/000000010000000000000004": No space left on device (28)',
      'rsync error: error in file IO (code 11) at receiver.c(380) [receiver=3.2.7]',
      '2025-01-01 10:00:01.000 UTC [101] LOG:  archive command failed with exit code 1',
      '2025-01-01 10:00:01.000 UTC [101] DETAIL:  The failed archive command was: f(){ … }',
    ].join('\n');
    expect(findArchiveError(rsync)?.split('\n')).toEqual([
      'rsync: [receiver] write failed on "/archive/000000010000000000000004": No space left on device (28)',
      'rsync error: error in file IO (code 11) at receiver.c(380) [receiver=3.2.7]',
      '2025-01-01 10:00:01.000 UTC [101] LOG:  archive command failed with exit code 1',
      '2025-01-01 10:00:01.000 UTC [101] DETAIL:  The failed archive command was: f(){ … }',
    ]);
    // At most the last 6 lines of output; nothing when the failure follows a server line.
    const noisy = [
      ...Array.from({ length: 9 }, (_, i) => `out ${i}`),
      'x LOG:  archive command failed with exit code 2',
    ];
    expect(findArchiveError(noisy.join('\n'))?.split('\n')).toHaveLength(7);
  });

  it('is null when the log has no archiver failure', () => {
    expect(findArchiveError('LOG:  checkpoint starting: time\n')).toBeNull();
  });
});

describe('toWalSender', () => {
  it('keeps NULL lags null and normalises times from JSON', () => {
    const s = toWalSender({
      pid: 7,
      application_name: 'h2',
      client_addr: '10.0.0.2',
      state: 'streaming',
      sent_lsn: '0/3000148',
      write_lsn: '0/3000148',
      flush_lsn: '0/3000148',
      replay_lsn: '0/3000148',
      write_lag_ms: 0.42,
      flush_lag_ms: null,
      replay_lag_ms: null,
      sync_state: 'async',
      reply_time: '2025-01-01T10:00:00.123456+00:00',
    });
    expect(s.writeLagMs).toBe(0.42);
    expect(s.flushLagMs).toBeNull();
    expect(s.replayLagMs).toBeNull();
    expect(s.replyTime).toBe('2025-01-01T10:00:00.123Z');
  });
});
