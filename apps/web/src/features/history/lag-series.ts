import type { LagPoint, LagRange, ReplicationLink } from '@walboard/shared';

/** The chart's windows and their resolutions: the same as the controller's store. */
export const RANGES: Readonly<Record<LagRange, { stepMs: number; keepMs: number }>> = {
  '15m': { stepMs: 1_000, keepMs: 15 * 60_000 },
  '1h': { stepMs: 10_000, keepMs: 60 * 60_000 },
  '24h': { stepMs: 60_000, keepMs: 24 * 60 * 60_000 },
};
export const RANGE_NAMES = Object.keys(RANGES) as LagRange[];

/** The name a link's history is kept under on the controller: the node, else its application_name. */
export function seriesName(link: ReplicationLink): string | null {
  if (link.standby === null && link.state === 'backup') return null; // pg_basebackup, not a standby
  return link.standby ?? (link.applicationName || null);
}

function maxOf(a: number | null, b: number | null): number | null {
  if (a === null) return b;
  if (b === null) return a;
  return Math.max(a, b);
}

/**
 * Adds a live observation to a series shown at `range`: folded (max) into the last bucket when it
 * falls in it, appended otherwise, and what left the window dropped. Never mutates `points`.
 */
export function appendLive(
  points: readonly LagPoint[],
  p: LagPoint,
  range: LagRange,
  nowMs: number,
): LagPoint[] {
  const { stepMs, keepMs } = RANGES[range];
  const t = Math.floor(p.t / stepMs) * stepMs;
  const last = points.at(-1);
  let out: LagPoint[];
  if (last && last.t === t) {
    out = [
      ...points.slice(0, -1),
      {
        t,
        replayBytes: maxOf(last.replayBytes, p.replayBytes),
        replaySeconds: maxOf(last.replaySeconds, p.replaySeconds),
      },
    ];
  } else if (last && last.t > t) {
    return [...points]; // older than what we hold: the history already covers it
  } else {
    out = [...points, { t, replayBytes: p.replayBytes, replaySeconds: p.replaySeconds }];
  }
  const oldest = nowMs - keepMs - stepMs;
  const first = out.findIndex((q) => q.t > oldest);
  return first <= 0 ? out : out.slice(first);
}

/** The history answered by the controller, with the live points seen while it was on its way. */
export function mergeHistory(
  history: readonly LagPoint[],
  live: readonly LagPoint[],
  range: LagRange,
  nowMs: number,
): LagPoint[] {
  let out = [...history];
  for (const p of live) out = appendLive(out, p, range, nowMs);
  return out;
}

/** The latest and the highest values of a series, for the line of text under the chart. */
export function summarize(points: readonly LagPoint[]): {
  now: LagPoint | null;
  peakBytes: number | null;
  peakSeconds: number | null;
} {
  let peakBytes: number | null = null;
  let peakSeconds: number | null = null;
  for (const p of points) {
    peakBytes = maxOf(peakBytes, p.replayBytes);
    peakSeconds = maxOf(peakSeconds, p.replaySeconds);
  }
  return { now: points.at(-1) ?? null, peakBytes, peakSeconds };
}
