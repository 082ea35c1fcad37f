import type { LogLine } from '@walboard/shared/status';

/**
 * How many log replays (the recent lines a viewer gets when it opens a log, over the socket or
 * REST) one session may ask for: a token bucket. A page needs one per node it opens; a script
 * asking in a loop would make the controller serialize megabytes for nothing, and everyone's live
 * view (and /api/health) would wait behind it.
 */
export class ReplayBudget {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly capacity = 6,
    /** Tokens given back per second. */
    private readonly refillPerSecond = 1,
    private readonly clock: () => number = Date.now,
  ) {}

  /** Takes one replay for `key` (a session); 0 when allowed, else the seconds to wait. */
  take(key: string): number {
    const now = this.clock();
    const b = this.buckets.get(key) ?? { tokens: this.capacity, at: now };
    b.tokens = Math.min(this.capacity, b.tokens + ((now - b.at) / 1000) * this.refillPerSecond);
    b.at = now;
    this.buckets.set(key, b);
    if (b.tokens >= 1) {
      b.tokens -= 1;
      this.forgetFull(now);
      return 0;
    }
    return Math.max(1, Math.ceil((1 - b.tokens) / this.refillPerSecond));
  }

  /** Sessions whose bucket has refilled are forgotten: the map stays as small as the active ones. */
  private forgetFull(now: number): void {
    if (this.buckets.size < 1000) return;
    for (const [k, b] of this.buckets) {
      if (b.tokens + ((now - b.at) / 1000) * this.refillPerSecond >= this.capacity) this.buckets.delete(k);
    }
  }
}

/** At most this many bytes of log text in one replay (the newest lines win). */
export const MAX_REPLAY_BYTES = 512 * 1024;

/**
 * The newest lines that fit in `maxBytes` of text: a replay is bounded in bytes, not only in
 * lines (a line may be 8 KiB). `cut` counts the older lines left out.
 */
export function newestWithin(
  lines: readonly LogLine[],
  maxBytes = MAX_REPLAY_BYTES,
): { lines: LogLine[]; cut: number } {
  let bytes = 0;
  let i = lines.length;
  while (i > 0) {
    const next = lines[i - 1] as LogLine;
    // ~64 bytes of JSON around each line's text (seq, level, quotes).
    const size = Buffer.byteLength(next.text, 'utf8') + 64;
    if (bytes + size > maxBytes) break;
    bytes += size;
    i--;
  }
  return { lines: lines.slice(i), cut: i };
}
