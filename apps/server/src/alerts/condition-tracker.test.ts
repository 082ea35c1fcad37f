import { describe, expect, it } from 'vitest';
import { type ConditionKey, ConditionTracker, type Observation } from './condition-tracker.ts';

const KEY: ConditionKey = { cluster: 'lab', node: 'h2' };
const on = (value: number): Observation => ({ holds: true, value, summary: `bad ${value}` });
const off = (value: number): Observation => ({ holds: false, value, summary: `ok ${value}` });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A tracker with a real (short) for-window that records every transition with its time. */
function recorder(forMs: number) {
  const events: {
    what: 'fire' | 'resolve';
    key: ConditionKey;
    obs: Observation;
    at: number;
    since?: number;
  }[] = [];
  const tracker = new ConditionTracker(forMs, {
    fire: (key, since, obs) => events.push({ what: 'fire', key, obs, since, at: Date.now() }),
    resolve: (key, obs) => events.push({ what: 'resolve', key, obs, at: Date.now() }),
  });
  return { tracker, events };
}

describe('ConditionTracker (real timers, 150 ms window)', () => {
  it('fires once the condition has held for the whole window, not before', async () => {
    const { tracker, events } = recorder(150);
    const t0 = Date.now();
    tracker.observe(KEY, on(1));
    await sleep(100);
    expect(events).toHaveLength(0);
    tracker.observe(KEY, on(2));
    await sleep(120);
    expect(events.map((e) => e.what)).toEqual(['fire']);
    const [fire] = events;
    // Timed from the first observation that held, and with the latest value seen.
    expect((fire?.at ?? 0) - t0).toBeGreaterThanOrEqual(145);
    expect(fire?.since).toBeGreaterThanOrEqual(t0);
    expect(fire?.obs.value).toBe(2);
    tracker.stop();
  });

  it('a condition that ends inside the window never fires, and sends no "resolved" either', async () => {
    const { tracker, events } = recorder(150);
    tracker.observe(KEY, on(1));
    await sleep(80);
    tracker.observe(KEY, off(0));
    await sleep(150);
    expect(events).toEqual([]);
    // Starting over: the window starts again from zero.
    tracker.observe(KEY, on(3));
    await sleep(80);
    expect(events).toEqual([]);
    await sleep(110);
    expect(events.map((e) => e.what)).toEqual(['fire']);
    tracker.stop();
  });

  it('deduplicates while it lasts: many observations, one fire; then one resolve', async () => {
    const { tracker, events } = recorder(50);
    for (let i = 0; i < 20; i++) {
      tracker.observe(KEY, on(i));
      await sleep(10);
    }
    expect(events.map((e) => e.what)).toEqual(['fire']);
    tracker.observe(KEY, off(0));
    tracker.observe(KEY, off(0));
    await sleep(80);
    tracker.observe(KEY, off(0));
    expect(events.map((e) => e.what)).toEqual(['fire', 'resolve']);
    expect(events[1]?.obs.summary).toBe('ok 0');
    tracker.stop();
  });

  it('keeps nodes apart: one node firing does not fire or resolve another', async () => {
    const { tracker, events } = recorder(40);
    const h1: ConditionKey = { cluster: 'lab', node: 'h1' };
    tracker.observe(h1, on(1));
    tracker.observe(KEY, on(1));
    await sleep(20);
    tracker.observe(KEY, off(0));
    await sleep(60);
    expect(events.map((e) => `${e.what} ${e.key.node}`)).toEqual(['fire h1']);
    expect(tracker.tracked('lab')).toEqual([h1]);
    expect(tracker.tracked('other')).toEqual([]);
    tracker.stop();
  });

  it('a 0 s window fires at the first observation; stop() cancels pending windows', async () => {
    const now = recorder(0);
    now.tracker.observe(KEY, on(1));
    expect(now.events.map((e) => e.what)).toEqual(['fire']);
    now.tracker.stop();
    const later = recorder(40);
    later.tracker.observe(KEY, on(1));
    later.tracker.stop();
    await sleep(70);
    expect(later.events).toEqual([]);
  });
});
