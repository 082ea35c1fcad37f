import { describe, expect, it } from 'vitest';
import { formatDuration } from '../../i18n/units.ts';
import { progressView } from './step-progress.ts';

const MiB = 1024 * 1024;
const at = '2026-01-01T00:00:00.000Z';

describe('progressView', () => {
  it('gives whole percent, done of total, rate and time left', () => {
    const v = progressView({
      doneBytes: 25 * MiB,
      totalBytes: 100 * MiB,
      bytesPerSecond: 5 * MiB,
      etaSeconds: 15,
      phase: 'streaming database files',
      updatedAt: at,
    });
    expect(v).toEqual({
      percent: 25,
      done: '25.0 MiB',
      total: '100 MiB',
      rate: '5.00 MiB/s',
      eta: '15 s',
      phase: 'streaming database files',
      bar: { value: 25 * MiB, max: 100 * MiB },
    });
  });

  it('rounds the percent down: 100 % only when everything is there', () => {
    const v = progressView({
      doneBytes: 999,
      totalBytes: 1000,
      bytesPerSecond: null,
      etaSeconds: null,
      updatedAt: at,
    });
    expect(v.percent).toBe(99);
    expect(
      progressView({
        doneBytes: 1000,
        totalBytes: 1000,
        bytesPerSecond: null,
        etaSeconds: null,
        updatedAt: at,
      }).percent,
    ).toBe(100);
  });

  it('stops at 100 % when the copy passes its estimated total', () => {
    const v = progressView({
      doneBytes: 150,
      totalBytes: 100,
      bytesPerSecond: null,
      etaSeconds: 0,
      updatedAt: at,
    });
    expect(v.percent).toBe(100);
    expect(v.bar).toEqual({ value: 100, max: 100 });
    expect(v.eta).toBe('0 s');
  });

  it('has no percent, total or bar while the total is unknown (null or 0)', () => {
    for (const totalBytes of [null, 0]) {
      const v = progressView({
        doneBytes: 2048,
        totalBytes,
        bytesPerSecond: null,
        etaSeconds: null,
        updatedAt: at,
      });
      expect(v).toMatchObject({ percent: null, total: null, bar: null, rate: null, eta: null, phase: null });
      expect(v.done).toBe('2.00 KiB');
    }
  });
});

describe('formatDuration', () => {
  it('writes seconds, minutes and hours the way a DBA reads a time left', () => {
    expect(formatDuration(0)).toBe('0 s');
    expect(formatDuration(44.6)).toBe('45 s');
    expect(formatDuration(59.6)).toBe('1 min 00 s');
    expect(formatDuration(185)).toBe('3 min 05 s');
    expect(formatDuration(2 * 3600 + 7 * 60 + 31)).toBe('2 h 07 min');
  });

  it('shows a dash for what is not a duration', () => {
    expect(formatDuration(Number.NaN)).toBe('—');
    expect(formatDuration(-1)).toBe('—');
    expect(formatDuration(Number.POSITIVE_INFINITY)).toBe('—');
  });
});
