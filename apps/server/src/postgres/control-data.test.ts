import { describe, expect, it } from 'vitest';
import { ControlDataError, parseControlData, parseControlFile, stoppedCleanly } from './control-data.ts';

/** pg_controldata 15 on a fresh initdb, LC_ALL=C (copied from a real run). */
const PG15 = `pg_control version number:            1300
Catalog version number:               202209061
Database system identifier:           7715715936311864566
Database cluster state:               shut down
pg_control last modified:             Sat Dec  5 07:18:28 2026
Latest checkpoint location:           0/1500718
Latest checkpoint's REDO location:    0/1500718
Latest checkpoint's REDO WAL file:    000000010000000000000001
Latest checkpoint's TimeLineID:       1
Latest checkpoint's PrevTimeLineID:   1
Latest checkpoint's full_page_writes: on
Latest checkpoint's NextXID:          0:724
Latest checkpoint's oldestCommitTsXid:0
Time of latest checkpoint:            Sat Dec  5 07:18:28 2026
Minimum recovery ending location:     0/0
Min recovery ending loc's timeline:   0
wal_level setting:                    replica
wal_log_hints setting:                off
Data page checksum version:           0
Mock authentication nonce:            13f3f85e70b2de62de5046b695348508654924e39938c589b770e1e2365221c1
`;

describe('parseControlData', () => {
  it('reads the fields rejoin needs from real pg_controldata 15 output', () => {
    expect(parseControlData(PG15)).toEqual({
      systemId: '7715715936311864566',
      state: 'shut down',
      checkpointLsn: '0/1500718',
      redoLsn: '0/1500718',
      timeline: 1,
      complete: true,
      minRecoveryLsn: null,
      walLogHints: false,
      checksumVersion: 0,
    });
  });

  it('a standby stopped mid-replay, with wal_log_hints and checksums on, on timeline 3', () => {
    const text = PG15.replace('shut down', 'shut down in recovery')
      .replace(
        'Latest checkpoint location:           0/1500718',
        'Latest checkpoint location:           1A/B3000028',
      )
      .replace('TimeLineID:       1', 'TimeLineID:       3')
      .replace(
        'Minimum recovery ending location:     0/0',
        'Minimum recovery ending location:     1a/b4000100',
      )
      .replace('wal_log_hints setting:                off', 'wal_log_hints setting:                on')
      .replace('Data page checksum version:           0', 'Data page checksum version:           1');
    const c = parseControlData(text);
    expect(c).toMatchObject({
      state: 'shut down in recovery',
      checkpointLsn: '1A/B3000028',
      timeline: 3,
      minRecoveryLsn: '1A/B4000100',
      walLogHints: true,
      checksumVersion: 1,
    });
    expect(stoppedCleanly(c)).toBe(true);
  });

  it('a crashed server ("in production") did not stop cleanly; an unknown state is kept as unrecognized', () => {
    expect(stoppedCleanly(parseControlData(PG15.replace('shut down', 'in production')))).toBe(false);
    const odd = parseControlData(PG15.replace('shut down', 'something new'));
    expect(odd.state).toBe('unrecognized');
    expect(stoppedCleanly(odd)).toBe(false);
  });

  it('refuses translated or truncated output, and values that are not what they claim', () => {
    // German labels (LANG not C): no line is recognized.
    expect(() => parseControlData('Datenbank-Cluster-Status:              heruntergefahren\n')).toThrow(
      ControlDataError,
    );
    expect(() => parseControlData(PG15.split('\n').slice(0, 6).join('\n'))).toThrow(
      /^pg_controldata printed no "[^"]+" line: not the output of pg_controldata run with LC_ALL=C$/,
    );
    expect(() => parseControlData(PG15.replace('0/1500718\nLatest', 'zz/1\nLatest'))).toThrow(
      /not a WAL position/,
    );
    expect(() =>
      parseControlData(
        PG15.replace('wal_log_hints setting:                off', 'wal_log_hints setting: maybe'),
      ),
    ).toThrow(/neither on nor off/);
    expect(() => parseControlData(PG15.replace('version:           0', 'version:           x'))).toThrow(
      /not a number/,
    );
  });
});

describe('parseControlFile: global/pg_control where no pg_controldata of the version exists', () => {
  it('the same fields as pg_controldata 15 printed for this very file (first 64 bytes)', () => {
    const buf = Buffer.from(
      'f66cb0b3c3ba136b1405000025770d0c0100000000000000c4ba136b000000001807500100000000180750010000000001000000010000000100000000000000',
      'hex',
    );
    expect(parseControlFile(buf)).toEqual({
      systemId: '7715715936311864566',
      state: 'shut down',
      checkpointLsn: '0/1500718',
      redoLsn: '0/1500718',
      timeline: 1,
      complete: false,
      minRecoveryLsn: null,
      walLogHints: null,
      checksumVersion: null,
    });
  });

  it('PostgreSQL 18 (pg_control_version 1800): checkpoint 0/174B3D8 after a fast stop', () => {
    const buf = Buffer.alloc(64);
    buf.writeBigUInt64LE(7715720112661303962n, 0);
    buf.writeUInt32LE(1800, 8);
    buf.writeUInt32LE(6, 16);
    buf.writeBigUInt64LE(0x174b3d8n, 32);
    buf.writeBigUInt64LE(0x174b3d8n, 40);
    buf.writeUInt32LE(3, 48);
    expect(parseControlFile(buf)).toMatchObject({
      state: 'in production',
      checkpointLsn: '0/174B3D8',
      timeline: 3,
    });
  });

  it('refuses a short file or an unknown layout', () => {
    expect(() => parseControlFile(Buffer.alloc(20))).toThrow(/too short/);
    const b = Buffer.alloc(64);
    b.writeUInt32LE(12, 8);
    expect(() => parseControlFile(b)).toThrow(/not a layout walboard knows/);
  });
});
