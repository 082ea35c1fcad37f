import { lsnToBigInt } from '../postgres/lsn.ts';

export interface WalTimelineOptions {
  /** Entries older than this are dropped (the last one before the window stays as its floor). */
  keepMs: number;
  /** A hard cap on entries, whatever the write rate: memory stays bounded. */
  maxEntries: number;
}

// 10 minutes at the 20 Hz poll rate: a standby further behind than that is timed by PostgreSQL's
// own replay_lag instead (see lag.ts).
export const DEFAULT_WAL_TIMELINE: WalTimelineOptions = { keepMs: 10 * 60_000, maxEntries: 12_000 };

interface Entry {
  at: number;
  lsn: bigint;
}

/**
 * When the primary was first seen at each WAL position: walboard's own record, from its 20 Hz
 * polls of pg_current_wal_lsn(). Looking a standby's replay LSN up here gives the age of the
 * oldest byte it has not replayed — lag in seconds that needs no commit timestamps, and so does
 * not turn "time since the last commit" into lag on a quiet server.
 */
export class WalTimeline {
  private entries: Entry[] = [];
  private timeline: number | null = null;

  constructor(private readonly opts: WalTimelineOptions = DEFAULT_WAL_TIMELINE) {}

  /** Notes the primary's current LSN as observed at `at` (ms). Only changes are kept. */
  record(lsn: string, timeline: number | null, at: number): void {
    let pos: bigint;
    try {
      pos = lsnToBigInt(lsn);
    } catch {
      return;
    }
    const last = this.entries.at(-1);
    // A new timeline (promotion, a restore) or a position going back is another history.
    if (timeline !== this.timeline || (last && pos < last.lsn)) {
      this.entries = [];
      this.timeline = timeline;
    } else if (last && pos === last.lsn) {
      return;
    }
    this.entries.push({ at, lsn: pos });
    this.prune(at);
  }

  /** Forgets everything (the node is no primary any more, or unreachable). */
  clear(): void {
    this.entries = [];
    this.timeline = null;
  }

  get size(): number {
    return this.entries.length;
  }

  /**
   * When the primary was first seen past `lsn` — the moment the first byte after it existed, to
   * within one poll. null when the record cannot say: no position past it was seen (caught up), or
   * the oldest entry is already past it (the byte is older than the record).
   */
  firstSeenAfter(lsn: string): number | null {
    let pos: bigint;
    try {
      pos = lsnToBigInt(lsn);
    } catch {
      return null;
    }
    const e = this.entries;
    const first = e[0];
    if (!first || first.lsn > pos) return null;
    // Binary search: the first entry with lsn > pos (positions never decrease within one history).
    let lo = 0;
    let hi = e.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((e[mid] as Entry).lsn > pos) hi = mid;
      else lo = mid + 1;
    }
    return e[lo]?.at ?? null;
  }

  private prune(now: number): void {
    const e = this.entries;
    let drop = 0;
    // Keep the newest entry older than the window: it says where the primary was when it opened.
    while (drop + 1 < e.length && (e[drop + 1] as Entry).at < now - this.opts.keepMs) drop++;
    drop = Math.max(drop, e.length - this.opts.maxEntries);
    if (drop > 0) e.splice(0, drop);
  }
}
