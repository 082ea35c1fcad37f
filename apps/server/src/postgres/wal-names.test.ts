import { describe, expect, it } from 'vitest';
import { archiveFilesBefore, parseWalFileName } from './wal-names.ts';

describe('parseWalFileName', () => {
  it('a segment: timeline from the first 8 hex digits, position from the last 16', () => {
    expect(parseWalFileName('0000000100000000000000A3')).toEqual({
      name: '0000000100000000000000A3',
      kind: 'segment',
      timeline: 1,
      position: '00000000000000A3',
    });
    expect(parseWalFileName('0000001A00000016000000B3')).toMatchObject({
      kind: 'segment',
      timeline: 26,
      position: '00000016000000B3',
    });
  });

  it('.partial, .backup and .history files', () => {
    expect(parseWalFileName('000000010000000000000005.partial')).toEqual({
      name: '000000010000000000000005.partial',
      kind: 'partial',
      timeline: 1,
      position: '0000000000000005',
    });
    expect(parseWalFileName('000000020000000000000007.00000028.backup')).toEqual({
      name: '000000020000000000000007.00000028.backup',
      kind: 'backup',
      timeline: 2,
      position: '0000000000000007',
    });
    expect(parseWalFileName('00000002.history')).toEqual({
      name: '00000002.history',
      kind: 'history',
      timeline: 2,
      position: null,
    });
    expect(parseWalFileName('0000000A.history')?.timeline).toBe(10);
  });

  it('anything else is not a WAL file name', () => {
    for (const name of [
      '',
      'archive_status',
      '000000010000000000000005.tmp',
      '0000000100000000000000a3', // PostgreSQL writes upper-case hex only
      '00000001000000000000005', // 23 digits
      '0000000100000000000000005', // 25 digits
      '000000010000000000000005.partial.gz',
      '000000010000000000000005.28.backup',
      '00000002.history.tmp',
      '.00000002.history',
      'x000000010000000000000005',
    ])
      expect([name, parseWalFileName(name)]).toEqual([name, null]);
  });
});

describe('archiveFilesBefore', () => {
  const archive = [
    '00000001.history', // never a candidate
    '00000002.history',
    '000000010000000000000001',
    '000000010000000000000002',
    '000000010000000000000002.00000028.backup',
    '000000010000000000000003',
    '000000010000000000000004.partial', // the old timeline's last segment
    '000000020000000000000004',
    '000000020000000000000005',
    '000000020000000000000005.00000060.backup',
    '000000020000000000000006',
    'README',
    'archive_status',
  ];

  it('returns segments, .partial and .backup files before the redo segment, sorted; never .history', () => {
    expect(archiveFilesBefore(archive, '000000020000000000000005')).toEqual([
      '000000010000000000000001',
      '000000010000000000000002',
      '000000010000000000000002.00000028.backup',
      '000000010000000000000003',
      '000000010000000000000004.partial',
      '000000020000000000000004',
    ]);
  });

  it('the redo segment itself and everything after it stay', () => {
    const gone = archiveFilesBefore(archive, '000000020000000000000005');
    for (const kept of [
      '000000020000000000000005',
      '000000020000000000000005.00000060.backup',
      '000000020000000000000006',
    ])
      expect(gone).not.toContain(kept);
  });

  it('ignores the timeline, as pg_archivecleanup does: a later timeline with a lower position goes', () => {
    // Redo on timeline 1 at 0x10: a timeline-3 file at 0x0F is older in WAL position, so it goes;
    // a timeline-1 file at 0x11 is newer, so it stays.
    const names = ['00000003000000000000000F', '000000010000000000000011', '000000030000000000000010'];
    expect(archiveFilesBefore(names, '000000010000000000000010')).toEqual(['00000003000000000000000F']);
  });

  it('compares the whole 64-bit position: log (high) before segment (low)', () => {
    const names = [
      '0000000100000001000000FF',
      '000000010000000200000000',
      '000000010000000200000001',
      '0000000100000002000000A0',
      '000000010000000300000000',
    ];
    expect(archiveFilesBefore(names, '0000000100000002000000A0')).toEqual([
      '0000000100000001000000FF',
      '000000010000000200000000',
      '000000010000000200000001',
    ]);
  });

  it('sorts its output whatever the order of the listing', () => {
    const shuffled = [
      '000000010000000000000003',
      '00000002.history',
      '000000010000000000000001',
      '000000010000000000000002.00000028.backup',
      '000000010000000000000002',
    ];
    expect(archiveFilesBefore(shuffled, '000000010000000000000009')).toEqual([
      '000000010000000000000001',
      '000000010000000000000002',
      '000000010000000000000002.00000028.backup',
      '000000010000000000000003',
    ]);
  });

  it('an archive with only history files or only newer files gives nothing', () => {
    expect(archiveFilesBefore(['00000001.history', '00000002.history'], '000000020000000000000001')).toEqual(
      [],
    );
    expect(archiveFilesBefore([], '000000020000000000000001')).toEqual([]);
    expect(archiveFilesBefore(['000000010000000000000009'], '000000010000000000000009')).toEqual([]);
  });

  it('refuses a redo name that is not a plain segment', () => {
    for (const bad of [
      '',
      '00000002.history',
      '000000010000000000000005.partial',
      '000000010000000000000005.00000028.backup',
      'garbage',
    ])
      expect(() => archiveFilesBefore(archive, bad), bad).toThrow(/is not a WAL segment name/);
  });
});
