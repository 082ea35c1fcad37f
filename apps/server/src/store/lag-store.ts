import type { LagRange } from '@walboard/shared/api';
import type { LagPoint } from '@walboard/shared/status';
import type Database from 'better-sqlite3';

/** One observation of a standby's lag, at most one per standby per second. */
export interface LagSample {
  cluster: string;
  standby: string;
  /** ms since the epoch */
  t: number;
  replayBytes: number | null;
  replaySeconds: number | null;
}

/**
 * Each chart window is kept at its own resolution; a bucket holds the max of its samples (a lag
 * spike must survive downsampling). Worst case per standby: 15 min / 1 s + 1 = 901,
 * 1 h / 10 s + 1 = 361 and 24 h / 1 min + 1 = 1,441 rows, 2,703 in all.
 */
export const LAG_RESOLUTIONS: Readonly<Record<LagRange, { stepMs: number; keepMs: number }>> = {
  '15m': { stepMs: 1_000, keepMs: 15 * 60_000 },
  '1h': { stepMs: 10_000, keepMs: 60 * 60_000 },
  '24h': { stepMs: 60_000, keepMs: 24 * 60 * 60_000 },
};
const resolutions = Object.entries(LAG_RESOLUTIONS) as [LagRange, { stepMs: number; keepMs: number }][];

interface Row {
  t: number;
  replay_bytes: number | null;
  replay_seconds: number | null;
}

/** Lag history in SQLite: written once a second in one transaction, read by the chart. */
export class LagStore {
  private readonly upsert: Database.Statement<[string, string, number, number, number | null, number | null]>;
  private readonly prune: Database.Statement<[number, number]>;
  private readonly select: Database.Statement<[string, string, number, number], Row>;
  private readonly count: Database.Statement<[number], { n: number }>;
  private readonly writeTx: (samples: readonly LagSample[], nowMs: number) => void;

  constructor(db: Database.Database) {
    // max() of SQLite returns NULL if either side is NULL: coalesce keeps the known value, so
    // an "unknown" sample never erases a measured peak from its bucket.
    this.upsert = db.prepare(`
      INSERT INTO lag_samples (cluster, standby, step_ms, t, replay_bytes, replay_seconds)
      VALUES (?, ?, ?, ?, ?, ?)
      ON CONFLICT (cluster, standby, step_ms, t) DO UPDATE SET
        replay_bytes = coalesce(max(replay_bytes, excluded.replay_bytes), replay_bytes, excluded.replay_bytes),
        replay_seconds = coalesce(max(replay_seconds, excluded.replay_seconds), replay_seconds, excluded.replay_seconds)`);
    this.prune = db.prepare('DELETE FROM lag_samples WHERE step_ms = ? AND t <= ?');
    this.select = db.prepare(`
      SELECT t, replay_bytes, replay_seconds FROM lag_samples
      WHERE cluster = ? AND standby = ? AND step_ms = ? AND t > ?
      ORDER BY t`);
    this.count = db.prepare('SELECT count(*) AS n FROM lag_samples WHERE step_ms = ?');
    this.writeTx = db.transaction((samples: readonly LagSample[], nowMs: number) => {
      for (const s of samples) {
        for (const [, { stepMs }] of resolutions) {
          this.upsert.run(
            s.cluster,
            s.standby,
            stepMs,
            bucketStart(s.t, stepMs),
            s.replayBytes,
            s.replaySeconds,
          );
        }
      }
      for (const [, { stepMs, keepMs }] of resolutions)
        this.prune.run(stepMs, oldestKept(nowMs, stepMs, keepMs));
    });
  }

  /** Records the samples into every resolution and drops what has aged out, in one transaction. */
  write(samples: readonly LagSample[], nowMs: number): void {
    this.writeTx(samples, nowMs);
  }

  /** The points of one standby in a window ending now, oldest first. */
  points(cluster: string, standby: string, range: LagRange, nowMs: number): LagPoint[] {
    const { stepMs, keepMs } = LAG_RESOLUTIONS[range];
    return this.select
      .all(cluster, standby, stepMs, oldestKept(nowMs, stepMs, keepMs))
      .map((r) => ({ t: r.t, replayBytes: r.replay_bytes, replaySeconds: r.replay_seconds }));
  }

  /** Rows held per resolution, all standbys together (for tests and the size budget). */
  rowCounts(): Record<LagRange, number> {
    const out = { '15m': 0, '1h': 0, '24h': 0 };
    for (const [range, { stepMs }] of resolutions) out[range] = this.count.get(stepMs)?.n ?? 0;
    return out;
  }
}

function bucketStart(t: number, stepMs: number): number {
  return Math.floor(t / stepMs) * stepMs;
}

/** A bucket is kept while any part of it lies inside the window: t + step > now − keep. */
function oldestKept(nowMs: number, stepMs: number, keepMs: number): number {
  return nowMs - keepMs - stepMs;
}
