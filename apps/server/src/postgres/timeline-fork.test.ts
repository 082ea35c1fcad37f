import { describe, expect, it } from 'vitest';
import {
  forkPointOf,
  historyFileName,
  parseTimelineHistory,
  TimelineHistoryError,
  timelineOfWalFile,
} from './timeline-fork.ts';

describe('parseTimelineHistory', () => {
  it('reads 00000003.history as PostgreSQL writes it (tabs, reasons, a blank line)', () => {
    const h = parseTimelineHistory(
      '1\t0/5000108\tno recovery target specified\n\n2\t1A/b3000028\tno recovery target specified\n',
    );
    expect(h).toEqual([
      { timeline: 1, switchpoint: '0/5000108', reason: 'no recovery target specified' },
      { timeline: 2, switchpoint: '1A/B3000028', reason: 'no recovery target specified' },
    ]);
    expect(forkPointOf(h, 2)).toBe('1A/B3000028');
    expect(forkPointOf(h, 3)).toBeNull();
  });

  it('refuses lines that are not "timeline switchpoint reason", and timelines out of order', () => {
    expect(() => parseTimelineHistory('1\tnot-an-lsn\tx\n')).toThrow(TimelineHistoryError);
    expect(() => parseTimelineHistory('2\t0/1\tx\n1\t0/2\ty\n')).toThrow(/timeline 1 does not come after 2/);
  });

  it('names: timeline 10 is 0000000A.history; a WAL file name starts with its timeline', () => {
    expect(historyFileName(10)).toBe('0000000A.history');
    expect(timelineOfWalFile('0000000A0000000100000002')).toBe(10);
    expect(timelineOfWalFile('nope')).toBeNull();
  });
});
