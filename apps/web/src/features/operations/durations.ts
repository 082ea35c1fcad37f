import { formatDuration } from '../../i18n/units.ts';

interface Timed {
  startedAt: string | null;
  finishedAt: string | null;
}

/**
 * How long a step or a group of steps ran: from the first start to the last end, in ms. null
 * until something has run; a group still running counts up to `now`.
 */
export function spanMs(steps: readonly Timed[], now: number = Date.now()): number | null {
  const starts = steps
    .map((s) => (s.startedAt ? Date.parse(s.startedAt) : Number.NaN))
    .filter(Number.isFinite);
  if (starts.length === 0) return null;
  const running = steps.some((s) => s.startedAt && !s.finishedAt);
  const ends = steps
    .map((s) => (s.finishedAt ? Date.parse(s.finishedAt) : Number.NaN))
    .filter(Number.isFinite);
  const end = running || ends.length === 0 ? now : Math.max(...ends);
  return Math.max(0, end - Math.min(...starts));
}

/** Sub-second precision where it matters (a switchover's phases take tenths of a second). */
export function formatMs(ms: number): string {
  if (ms < 10_000) return `${(ms / 1000).toFixed(ms < 1000 ? 3 : 2)} s`;
  return formatDuration(ms / 1000);
}
