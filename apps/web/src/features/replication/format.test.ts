import { describe, expect, it } from 'vitest';
import { formatBytes, formatLagMs, formatSeconds } from './format.ts';

describe('formatBytes', () => {
  it.each([
    [0, '0 B'],
    [999, '999 B'],
    [1024, '1.00 KiB'],
    [16_777_216, '16.0 MiB'],
    [123_456_789_012, '115 GiB'],
  ])('%d → %s', (n, text) => expect(formatBytes(n)).toBe(text));
});

describe('formatSeconds', () => {
  it.each([
    [0, '0 s'],
    [0.0012, '1.2 ms'],
    [0.25, '250 ms'],
    [3.456, '3.46 s'],
    [42.34, '42.3 s'],
    [125, '2 min 5 s'],
    [7300, '2 h 1 min'],
  ])('%d → %s', (s, text) => expect(formatSeconds(s)).toBe(text));

  it('keeps a NULL lag null (PostgreSQL: caught up and idle)', () => {
    expect(formatLagMs(null)).toBeNull();
    expect(formatLagMs(1.5)).toBe('1.5 ms');
  });
});
