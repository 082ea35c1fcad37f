import { describe, expect, it } from 'vitest';
import { firstUnseen, truncateLine } from './log-text.ts';

describe('truncateLine', () => {
  it('leaves a line within the limit alone', () => {
    expect(truncateLine('short', 8192)).toBe('short');
    const exact = 'x'.repeat(8192);
    expect(truncateLine(exact, 8192)).toBe(exact);
  });

  it('cuts a 1 MB line to the limit and says how many bytes were cut', () => {
    const out = truncateLine('a'.repeat(1_000_000), 8192);
    expect(out).toBe(`${'a'.repeat(8192)} [truncated ${1_000_000 - 8192} bytes]`);
  });

  it('never splits a multi-byte character', () => {
    // "é" is 2 bytes in UTF-8: a 5-byte limit keeps 2 of them (4 bytes), cutting 6 bytes.
    const out = truncateLine('ééééé', 5);
    expect(out).toBe('éé [truncated 6 bytes]');
    expect(out).not.toContain('\uFFFD');
  });
});

describe('firstUnseen: where a restarted tail -n K has new lines', () => {
  const seen = ['a1', 'a2', 'a3'];
  it('skips the replay up to the last line seen', () => {
    expect(firstUnseen(seen, ['a0', 'a1', 'a2', 'a3', 'b1', 'b2'])).toBe(4);
  });
  it('returns the replay length when nothing new was written', () => {
    expect(firstUnseen(seen, ['a1', 'a2', 'a3'])).toBe(3);
  });
  it('treats the whole replay as new when the seen lines are not in it (rotated file)', () => {
    expect(firstUnseen(seen, ['c1', 'c2'])).toBe(0);
    expect(firstUnseen([], ['c1'])).toBe(0);
  });
  it('needs the whole anchor, not just its last line', () => {
    // "a3" alone repeats later, but only the full a1 a2 a3 run marks what was seen.
    expect(firstUnseen(seen, ['a1', 'a2', 'a3', 'x', 'a3', 'y'])).toBe(3);
  });
  it('accepts a shorter overlap only at the very start of the replay', () => {
    // The file kept only the end of what was seen (K smaller than the anchor).
    expect(firstUnseen(seen, ['a2', 'a3', 'b1'])).toBe(2);
    expect(firstUnseen(seen, ['b0', 'a3', 'b1'])).toBe(0);
  });
  it('takes the latest match when the block repeats: nothing is shown twice', () => {
    expect(firstUnseen(['x', 'y'], ['x', 'y', 'x', 'y', 'z'])).toBe(4);
  });
});
