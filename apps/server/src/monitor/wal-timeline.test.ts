import { describe, expect, it } from 'vitest';
import { WalTimeline } from './wal-timeline.ts';

describe('WalTimeline', () => {
  it('answers when the primary was first seen past a position', () => {
    const t = new WalTimeline();
    t.record('0/100', 1, 1000);
    t.record('0/100', 1, 1050); // unchanged: not an entry
    t.record('0/200', 1, 1100);
    t.record('0/300', 1, 1150);
    expect(t.size).toBe(3);
    expect(t.firstSeenAfter('0/100')).toBe(1100);
    expect(t.firstSeenAfter('0/1FF')).toBe(1100);
    expect(t.firstSeenAfter('0/200')).toBe(1150);
    // Caught up, or ahead: nothing was seen past it.
    expect(t.firstSeenAfter('0/300')).toBeNull();
    expect(t.firstSeenAfter('1/0')).toBeNull();
    // Older than the record: it cannot say.
    expect(t.firstSeenAfter('0/50')).toBeNull();
    expect(t.firstSeenAfter('not an lsn')).toBeNull();
  });

  it('starts a new history on a new timeline or a position going back', () => {
    const t = new WalTimeline();
    t.record('0/100', 1, 1000);
    t.record('0/200', 1, 1100);
    t.record('0/250', 2, 1200);
    expect(t.size).toBe(1);
    expect(t.firstSeenAfter('0/100')).toBeNull();
    t.record('0/300', 2, 1300);
    t.record('0/280', 2, 1400);
    expect(t.size).toBe(1);
    expect(t.firstSeenAfter('0/280')).toBeNull();
  });

  it('stays bounded: old entries leave, the last one before the window stays as its floor', () => {
    const t = new WalTimeline({ keepMs: 1000, maxEntries: 100 });
    for (let i = 0; i < 50; i++) t.record(`0/${(i + 1).toString(16)}00`, 1, i * 100);
    // The window is [3900, 4900]; the entry at 3800 stays as its floor, everything before it goes.
    expect(t.size).toBe(12);
    expect(t.firstSeenAfter('0/2600')).toBeNull();
    expect(t.firstSeenAfter('0/2700')).toBe(3900);
    const capped = new WalTimeline({ keepMs: 1e9, maxEntries: 10 });
    for (let i = 0; i < 1000; i++) capped.record(`0/${(i + 1).toString(16)}`, 1, i);
    expect(capped.size).toBe(10);
  });

  it('an idle primary keeps its one entry however long it stays idle', () => {
    const t = new WalTimeline({ keepMs: 1000, maxEntries: 100 });
    t.record('0/100', 1, 0);
    for (let at = 50; at < 60_000; at += 50) t.record('0/100', 1, at);
    expect(t.size).toBe(1);
    t.record('0/200', 1, 60_000);
    expect(t.firstSeenAfter('0/100')).toBe(60_000);
  });

  it('clear forgets everything', () => {
    const t = new WalTimeline();
    t.record('0/100', 1, 0);
    t.clear();
    expect(t.size).toBe(0);
    expect(t.firstSeenAfter('0/100')).toBeNull();
  });
});
