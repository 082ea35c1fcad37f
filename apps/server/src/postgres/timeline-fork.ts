import { lsnToBigInt } from './lsn.ts';

/**
 * A timeline history file (`0000000N.history` in pg_wal): one line per ancestor timeline,
 * "parentTLI<TAB>switchpoint<TAB>reason", comments with #. The switchpoint of timeline T is where
 * the history left T: WAL on T past it is not part of the newer timeline (a fork).
 * (operations/types/timeline-history.ts of `follow` reads the same file: to be merged.)
 */

export interface TimelineFork {
  /** The ancestor timeline. */
  timeline: number;
  /** Where the history switched away from it. */
  switchpoint: string;
  reason: string;
}

export class TimelineHistoryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TimelineHistoryError';
  }
}

export function parseTimelineHistory(text: string): TimelineFork[] {
  const out: TimelineFork[] = [];
  for (const [i, raw] of text.split('\n').entries()) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const m = /^(\d+)\s+([0-9A-Fa-f]{1,8}\/[0-9A-Fa-f]{1,8})\s*(.*)$/.exec(line);
    if (!m)
      throw new TimelineHistoryError(
        `line ${i + 1} of the history file is not "timeline switchpoint reason"`,
      );
    const timeline = Number(m[1]);
    const prev = out.at(-1);
    if (prev && timeline <= prev.timeline)
      throw new TimelineHistoryError(
        `line ${i + 1}: timeline ${timeline} does not come after ${prev.timeline}`,
      );
    out.push({ timeline, switchpoint: (m[2] as string).toUpperCase(), reason: m[3] ?? '' });
  }
  return out;
}

/** Where the history of the newer timeline left `timeline`, or null when it never passed through it. */
export function forkPointOf(history: readonly TimelineFork[], timeline: number): string | null {
  return history.find((h) => h.timeline === timeline)?.switchpoint ?? null;
}

/** "0000000A" (the first 8 hex digits of a WAL file name) → 10. */
export function timelineOfWalFile(name: string): number | null {
  return /^[0-9A-Fa-f]{8}/.test(name) ? Number.parseInt(name.slice(0, 8), 16) : null;
}

export const historyFileName = (timeline: number) =>
  `${timeline.toString(16).toUpperCase().padStart(8, '0')}.history`;

export const lsnAtOrAfter = (a: string, b: string) => lsnToBigInt(a) >= lsnToBigInt(b);
