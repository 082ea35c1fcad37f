import { describe, expect, it } from 'vitest';
import { formatBytes, formatSeconds } from '../../i18n/units.ts';
import { replicationLink } from './history-fixtures.test-support.ts';
import { appendLive, mergeHistory, seriesName, summarize } from './lag-series.ts';

const p = (t: number, replayBytes: number | null, replaySeconds: number | null = 0) => ({
  t,
  replayBytes,
  replaySeconds,
});
const T = Date.UTC(2026, 10, 25, 10, 0, 0);

describe('appendLive', () => {
  it('appends one point per second at 15m and drops what left the window', () => {
    let s = [p(T - 901_000, 1), p(T - 900_000, 2)];
    s = appendLive(s, p(T + 300, 3), '15m', T + 300);
    expect(s).toEqual([p(T - 900_000, 2), p(T, 3)]);
  });

  it('folds points of one bucket into its max at 1h and 24h, like the controller', () => {
    let s = [p(T, 10, 0.5)];
    s = appendLive(s, p(T + 3000, 50, 0.1), '1h', T + 3000);
    s = appendLive(s, p(T + 6000, 20, null), '1h', T + 6000);
    expect(s).toEqual([p(T, 50, 0.5)]);
    s = appendLive(s, p(T + 10_000, 1, 0), '1h', T + 10_000);
    expect(s).toEqual([p(T, 50, 0.5), p(T + 10_000, 1, 0)]);
    expect(appendLive([p(T, 1)], p(T + 59_000, 9), '24h', T + 59_000)).toEqual([p(T, 9)]);
  });

  it('ignores a live point older than the history it would follow, and never mutates', () => {
    const s = [p(T, 1)];
    expect(appendLive(s, p(T - 5000, 7), '15m', T)).toEqual([p(T, 1)]);
    appendLive(s, p(T + 1000, 2), '15m', T + 1000);
    expect(s).toEqual([p(T, 1)]);
  });
});

describe('mergeHistory', () => {
  it('puts the live points seen during the fetch after the history', () => {
    const merged = mergeHistory([p(T - 2000, 1), p(T - 1000, 2)], [p(T - 1500, 99), p(T, 3)], '15m', T);
    expect(merged).toEqual([p(T - 2000, 1), p(T - 1000, 2), p(T, 3)]);
  });
});

describe('summarize', () => {
  it('gives the latest point and the peaks, skipping unknown values', () => {
    expect(summarize([p(T, 5, 0.2), p(T + 1000, null, null), p(T + 2000, 3, 1)])).toEqual({
      now: p(T + 2000, 3, 1),
      peakBytes: 5,
      peakSeconds: 1,
    });
    expect(summarize([])).toEqual({ now: null, peakBytes: null, peakSeconds: null });
  });
});

describe('seriesName', () => {
  it('uses the node name, else the application_name, and no name for pg_basebackup', () => {
    expect(seriesName(replicationLink('h1', 'h2'))).toBe('h2');
    expect(seriesName(replicationLink('h1', null, { applicationName: 'reporting' }))).toBe('reporting');
    expect(
      seriesName(replicationLink('h1', null, { applicationName: 'pg_basebackup', state: 'backup' })),
    ).toBeNull();
  });
});

describe('formatBytes / formatSeconds', () => {
  it('reads like a DBA writes them', () => {
    expect(formatBytes(0)).toBe('0 B');
    expect(formatBytes(1023)).toBe('1023 B');
    expect(formatBytes(1536)).toBe('1.50 KiB');
    expect(formatBytes(16 * 1024 * 1024)).toBe('16.0 MiB');
    expect(formatBytes(300 * 1024 ** 3)).toBe('300 GiB');
    expect(formatSeconds(0)).toBe('0 s');
    expect(formatSeconds(0.0012)).toBe('1.2 ms');
    expect(formatSeconds(0.042)).toBe('42 ms');
    expect(formatSeconds(3.5)).toBe('3.50 s');
    expect(formatSeconds(75)).toBe('1 min 15 s');
    expect(formatSeconds(3 * 3600 + 120)).toBe('3 h 2 min');
  });
});
