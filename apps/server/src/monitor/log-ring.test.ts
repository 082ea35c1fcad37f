import { describe, expect, it } from 'vitest';
import { Ring } from './log-ring.ts';

describe('Ring', () => {
  it('keeps only the newest `capacity` items, oldest first, and says when it evicted one', () => {
    const r = new Ring<number>(3);
    expect([1, 2, 3].map((n) => r.push(n))).toEqual([false, false, false]);
    expect(r.push(4)).toBe(true);
    expect(r.push(5)).toBe(true);
    expect(r.size).toBe(3);
    expect(r.last()).toEqual([3, 4, 5]);
    expect(r.last(2)).toEqual([4, 5]);
    expect(r.last(10)).toEqual([3, 4, 5]);
  });

  it('shifts the oldest items in order, then keeps working across the wrap-around', () => {
    const r = new Ring<number>(4);
    for (let i = 1; i <= 6; i++) r.push(i);
    expect(r.shift(3)).toEqual([3, 4, 5]);
    r.push(7);
    r.push(8);
    expect(r.shift(10)).toEqual([6, 7, 8]);
    expect(r.size).toBe(0);
    expect(r.shift(1)).toEqual([]);
  });

  it('stays bounded whatever is pushed: 100,000 items into 2,000 slots', () => {
    const r = new Ring<number>(2000);
    let evicted = 0;
    for (let i = 0; i < 100_000; i++) if (r.push(i)) evicted++;
    expect(r.size).toBe(2000);
    expect(evicted).toBe(98_000);
    expect(r.last(1)).toEqual([99_999]);
    expect(r.last(2000)[0]).toBe(98_000);
  });

  it('refuses a capacity below 1', () => {
    expect(() => new Ring(0)).toThrow(/capacity/);
  });
});
