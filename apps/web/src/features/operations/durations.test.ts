import { describe, expect, it } from 'vitest';
import { formatMs, spanMs } from './durations.ts';

const at = (ms: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, 0, ms)).toISOString();

describe('spanMs: a phase lasts from its first start to its last end', () => {
  it('spans the steps that ran, ignores pending ones', () => {
    expect(
      spanMs([
        { startedAt: at(100), finishedAt: at(350) },
        { startedAt: at(360), finishedAt: at(512) },
        { startedAt: null, finishedAt: null },
      ]),
    ).toBe(412);
  });
  it('is null before anything ran, and counts up to now while a step runs', () => {
    expect(spanMs([{ startedAt: null, finishedAt: null }])).toBeNull();
    expect(spanMs([{ startedAt: at(0), finishedAt: null }], Date.parse(at(250)))).toBe(250);
  });
  it('prints milliseconds under a second, hundredths under 10 s', () => {
    expect(formatMs(412)).toBe('0.412 s');
    expect(formatMs(2345)).toBe('2.35 s');
    expect(formatMs(65_000)).toBe('1 min 05 s');
  });
});
