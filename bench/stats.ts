// Small statistics for the bench: nearest-rank percentiles, rounded for reading.

export const round = (x: number, digits = 1): number => Number(x.toFixed(digits));

/** Nearest-rank percentile (p in 0..100) of a non-empty list; NaN for an empty one. */
export function pct(xs: readonly number[], p: number): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))] ?? Number.NaN;
}

/** The median (mean of the two middle values for an even count); NaN for an empty list. */
export function median(xs: readonly number[]): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

export interface Summary {
  p50: number;
  p99: number;
  max: number;
  n: number;
}

export function summary(xs: readonly number[], digits = 1): Summary {
  return {
    p50: round(pct(xs, 50), digits),
    p99: round(pct(xs, 99), digits),
    // reduce, not Math.max(...xs): a spread of 200,000 numbers overflows the stack.
    max: round(xs.length ? xs.reduce((a, b) => Math.max(a, b)) : Number.NaN, digits),
    n: xs.length,
  };
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Waits until `probe()` is true, checking every `stepMs`; false on timeout. */
export async function until(probe: () => boolean, timeoutMs: number, stepMs = 20): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!probe()) {
    if (Date.now() > deadline) return false;
    await sleep(stepMs);
  }
  return true;
}
