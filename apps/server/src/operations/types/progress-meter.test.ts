import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ProgressMeter } from './progress-meter.ts';

const MB = 1024 * 1024;

describe('ProgressMeter', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(new Date('2025-03-04T05:06:07.000Z'));
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('no rate and no time left from a single reading; the estimate is the total until the copy says its own', () => {
    const m = new ProgressMeter(1000 * MB);
    expect(m.at(0, null)).toEqual({
      doneBytes: 0,
      totalBytes: 1000 * MB,
      bytesPerSecond: null,
      etaSeconds: null,
    });
  });

  it('rate over the elapsed time and the time left at that rate', () => {
    const m = new ProgressMeter(1000 * MB);
    m.at(0, null);
    vi.advanceTimersByTime(2000);
    expect(m.at(100 * MB, null)).toEqual({
      doneBytes: 100 * MB,
      totalBytes: 1000 * MB,
      bytesPerSecond: 50 * MB,
      etaSeconds: 18,
    });
  });

  it("the copy's own total replaces the estimate; 0 or null from the copy keeps the estimate", () => {
    const m = new ProgressMeter(1000 * MB);
    m.at(0, null);
    vi.advanceTimersByTime(1000);
    expect(m.at(100 * MB, 1500 * MB)).toMatchObject({ totalBytes: 1500 * MB, etaSeconds: 14 });
    vi.advanceTimersByTime(1000);
    expect(m.at(200 * MB, 0).totalBytes).toBe(1000 * MB);
    expect(m.at(200 * MB, null).totalBytes).toBe(1000 * MB);
  });

  it('the total is never shown below what is done, and the time left is then 0, never negative', () => {
    const m = new ProgressMeter(100 * MB);
    m.at(0, null);
    vi.advanceTimersByTime(1000);
    expect(m.at(150 * MB, null)).toEqual({
      doneBytes: 150 * MB,
      totalBytes: 150 * MB,
      bytesPerSecond: 150 * MB,
      etaSeconds: 0,
    });
    vi.advanceTimersByTime(1000);
    expect(m.at(300 * MB, 200 * MB)).toMatchObject({ totalBytes: 300 * MB, etaSeconds: 0 });
  });

  it('without any total: the rate still shows, the total and time left are unknown', () => {
    const m = new ProgressMeter(null);
    m.at(0, null);
    vi.advanceTimersByTime(4000);
    expect(m.at(40 * MB, null)).toEqual({
      doneBytes: 40 * MB,
      totalBytes: null,
      bytesPerSecond: 10 * MB,
      etaSeconds: null,
    });
  });

  it('readings closer than 0.2 s give no rate yet', () => {
    const m = new ProgressMeter(1000);
    m.at(0, null);
    vi.advanceTimersByTime(150);
    expect(m.at(100, null)).toMatchObject({ bytesPerSecond: null, etaSeconds: null });
    vi.advanceTimersByTime(100);
    expect(m.at(250, null).bytesPerSecond).toBe(1000);
  });

  it('a wait at the start (checkpoint) does not spoil the rate: it is measured over the last seconds', () => {
    const m = new ProgressMeter(1000 * MB);
    m.at(0, null);
    vi.advanceTimersByTime(10_000);
    // Still waiting: nothing moves, so no time left can be told.
    expect(m.at(0, null)).toMatchObject({ bytesPerSecond: 0, etaSeconds: null });
    vi.advanceTimersByTime(1000);
    // 100 MB in the last second, not 100 MB over 11 s.
    expect(m.at(100 * MB, null)).toMatchObject({ bytesPerSecond: 100 * MB, etaSeconds: 9 });
  });

  it('the window is about 5 s: older readings stop counting', () => {
    const m = new ProgressMeter(10_000 * MB);
    // 10 MB/s for 10 s, then 50 MB/s.
    let done = 0;
    for (let s = 0; s < 10; s++) {
      m.at(done, null);
      vi.advanceTimersByTime(1000);
      done += 10 * MB;
    }
    for (let s = 0; s < 6; s++) {
      m.at(done, null);
      vi.advanceTimersByTime(1000);
      done += 50 * MB;
    }
    expect(m.at(done, null).bytesPerSecond).toBe(50 * MB);
  });

  it('bytes going backwards never show a negative rate', () => {
    const m = new ProgressMeter(1000);
    m.at(500, null);
    vi.advanceTimersByTime(1000);
    expect(m.at(400, null)).toMatchObject({ bytesPerSecond: 0, etaSeconds: null });
  });

  it('the phase is passed on when given, and absent otherwise', () => {
    const m = new ProgressMeter(null);
    expect(m.at(0, null, 'waiting for checkpoint to finish').phase).toBe('waiting for checkpoint to finish');
    expect(m.at(0, null)).not.toHaveProperty('phase');
  });

  it('finish(): everything done, total = done, average rate over the whole copy, 0 s left', () => {
    const m = new ProgressMeter(1000 * MB);
    m.at(0, null);
    vi.advanceTimersByTime(10_000);
    m.at(200 * MB, null);
    vi.advanceTimersByTime(10_000);
    m.at(900 * MB, null);
    expect(m.seconds()).toBe(20);
    // Without an argument: the last reading.
    expect(m.finish()).toEqual({
      doneBytes: 900 * MB,
      totalBytes: 900 * MB,
      bytesPerSecond: 45 * MB,
      etaSeconds: 0,
      phase: 'done',
    });
    // With the copy's own final count.
    expect(m.finish(1000 * MB)).toMatchObject({
      doneBytes: 1000 * MB,
      totalBytes: 1000 * MB,
      bytesPerSecond: 50 * MB,
    });
  });

  it('finish() at once: no rate to tell', () => {
    const m = new ProgressMeter(null);
    expect(m.finish(0)).toEqual({
      doneBytes: 0,
      totalBytes: 0,
      bytesPerSecond: null,
      etaSeconds: 0,
      phase: 'done',
    });
  });
});
