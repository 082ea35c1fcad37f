import { describe, expect, it } from 'vitest';
import {
  forkPointOf,
  forkVerdict,
  historyFileName,
  parseHistory,
  timelineOfWalFile,
} from './timeline-history.ts';

// As PostgreSQL 15 writes them at a promotion (the second after a second promotion).
const TL2 = '1\t0/5000198\tno recovery target specified\n';
const TL3 = '1\t0/5000198\tno recovery target specified\n\n2\t0/7000060\tno recovery target specified\n';

describe('parseHistory', () => {
  it('reads each ancestor and where it was left', () => {
    expect(parseHistory(TL3)).toEqual([
      { tli: 1, switchpoint: '0/5000198', reason: 'no recovery target specified' },
      { tli: 2, switchpoint: '0/7000060', reason: 'no recovery target specified' },
    ]);
  });
  it('skips comments and blank lines; reason may be missing; LSNs upper-cased', () => {
    expect(parseHistory('# a comment\n\n1\t0/abc\n')).toEqual([{ tli: 1, switchpoint: '0/ABC', reason: '' }]);
  });
  it('refuses lines PostgreSQL would refuse', () => {
    expect(() => parseHistory('one\t0/1\tx\n')).toThrow(/line 1/);
    expect(() => parseHistory('1\tnot-an-lsn\n')).toThrow(/line 1/);
    expect(() => parseHistory('2\t0/1\n1\t0/2\n')).toThrow(/timeline 1 does not follow 2/);
  });
});

describe('file names', () => {
  it('names history files in hex', () => {
    expect(historyFileName(2)).toBe('00000002.history');
    expect(historyFileName(26)).toBe('0000001A.history');
  });
  it('reads the timeline of segment and history names', () => {
    expect(timelineOfWalFile('000000020000000000000005')).toBe(2);
    expect(timelineOfWalFile('0000000A0000000000000005.partial')).toBe(10);
    expect(timelineOfWalFile('00000003.history')).toBe(3);
    expect(timelineOfWalFile('archive_status')).toBeNull();
    expect(timelineOfWalFile('000000010000000000000005.00000028.backup')).toBeNull();
  });
});

describe('forkVerdict', () => {
  const h2 = parseHistory(TL2);
  const h3 = parseHistory(TL3);
  it('same timeline: nothing forked', () => {
    expect(forkVerdict(h2, 2, 2, '0/9000000')).toEqual({ kind: 'same-timeline', tli: 2 });
    expect(forkVerdict([], 1, 1, null)).toEqual({ kind: 'same-timeline', tli: 1 });
  });
  it('a standby behind or exactly at the fork point can follow', () => {
    expect(forkVerdict(h2, 2, 1, '0/5000000').kind).toBe('can-follow');
    expect(forkVerdict(h2, 2, 1, '0/5000198')).toEqual({
      kind: 'can-follow',
      fromTli: 1,
      toTli: 2,
      forkLsn: '0/5000198',
      replayLsn: '0/5000198',
    });
  });
  it('a standby that replayed past the fork point has diverged', () => {
    expect(forkVerdict(h2, 2, 1, '0/5000199')).toEqual({
      kind: 'diverged',
      fromTli: 1,
      toTli: 2,
      forkLsn: '0/5000198',
      replayLsn: '0/5000199',
    });
  });
  it('uses the switch point of the standby’s own timeline, two promotions later', () => {
    expect(forkVerdict(h3, 3, 1, '0/6000000').kind).toBe('diverged');
    expect(forkVerdict(h3, 3, 2, '0/6000000').kind).toBe('can-follow');
    expect(forkVerdict(h3, 3, 2, '0/7000061').kind).toBe('diverged');
  });
  it('a standby on a timeline the upstream never had is unrelated', () => {
    expect(forkVerdict(h2, 2, 3, '0/1').kind).toBe('unrelated');
    expect(forkVerdict([], 1, 2, '0/1').kind).toBe('unrelated');
  });
  it('without a replay position it does not guess', () => {
    expect(forkVerdict(h2, 2, 1, null).kind).toBe('unknown');
  });
  it('compares LSNs as 64-bit numbers, not as text', () => {
    const h = parseHistory('1\t10/0\n');
    expect(forkVerdict(h, 2, 1, 'F/FFFFFFFF').kind).toBe('can-follow');
    expect(forkVerdict(h, 2, 1, '10/1').kind).toBe('diverged');
  });
});

describe('forkPointOf', () => {
  it('names where the newer history left a timeline, null when it never passed through it', () => {
    const h = parseHistory('1\t0/5000108\tno recovery target specified\n\n2\t1A/b3000028\tx\n');
    expect(forkPointOf(h, 2)).toBe('1A/B3000028');
    expect(forkPointOf(h, 3)).toBeNull();
  });
});
