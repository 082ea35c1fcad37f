import { lsnToBigInt } from './lsn.ts';

/**
 * Timeline history files (`pg_wal/0000000N.history`): PostgreSQL writes one at each promotion.
 * Each line names an ancestor timeline and the LSN where the server left it
 * (`parentTLI <tab> switchpoint <tab> reason`), oldest first; `#` comments and blank lines are
 * allowed (timeline.c readTimeLineHistory). Whether a standby can follow a server on another
 * timeline is decided from that file alone: the check PostgreSQL itself makes at
 * rescanLatestTimeLine ("forked off current database system timeline … before current recovery
 * point"), made before anything is changed.
 */

export interface HistoryEntry {
  /** The ancestor timeline. */
  tli: number;
  /** Where the history left it: WAL on `tli` at or after this position is not the new timeline's. */
  switchpoint: string;
  reason: string;
}

/** The hex name of a timeline's history file: 2 → "00000002.history". */
export function historyFileName(tli: number): string {
  return `${tli.toString(16).toUpperCase().padStart(8, '0')}.history`;
}

/** The timeline in a WAL segment or history file name ("000000020000000000000005" → 2), null otherwise. */
export function timelineOfWalFile(name: string): number | null {
  const m = /^([0-9A-F]{8})(?:[0-9A-F]{16}(?:\.partial)?|\.history)$/.exec(name);
  return m?.[1] ? Number.parseInt(m[1], 16) : null;
}

/**
 * The entries of a history file, oldest first. Throws on a line PostgreSQL would refuse too
 * (not a timeline number and an LSN), and on timelines that do not increase.
 */
export function parseHistory(text: string): HistoryEntry[] {
  const out: HistoryEntry[] = [];
  for (const [i, raw] of text.split('\n').entries()) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const m = /^(\d+)\s+([0-9A-Fa-f]{1,8}\/[0-9A-Fa-f]{1,8})(?:\s+(.*))?$/.exec(line);
    if (!m?.[1] || !m[2])
      throw new Error(`line ${i + 1} of the history file is not "timeline <tab> LSN <tab> reason": ${line}`);
    const tli = Number(m[1]);
    const prev = out.at(-1);
    if (tli < 1 || (prev && tli <= prev.tli))
      throw new Error(`line ${i + 1} of the history file: timeline ${tli} does not follow ${prev?.tli ?? 0}`);
    out.push({ tli, switchpoint: m[2].toUpperCase(), reason: (m[3] ?? '').trim() });
  }
  return out;
}

/** Where the newer timeline's history left `tli`, or null when it never passed through it. */
export function forkPointOf(history: readonly HistoryEntry[], tli: number): string | null {
  return history.find((h) => h.tli === tli)?.switchpoint ?? null;
}

export type ForkVerdict =
  /** Same timeline as the upstream: nothing forked between them. */
  | { kind: 'same-timeline'; tli: number }
  /** The upstream's timeline branched off the standby's at `forkLsn`, and the standby has not replayed past it. */
  | { kind: 'can-follow'; fromTli: number; toTli: number; forkLsn: string; replayLsn: string }
  /** The standby replayed WAL of its timeline beyond where the upstream left that timeline. */
  | { kind: 'diverged'; fromTli: number; toTli: number; forkLsn: string; replayLsn: string }
  /** The standby's timeline is not in the upstream's history (newer, or another branch). */
  | { kind: 'unrelated'; fromTli: number; toTli: number }
  /** Not enough is known (no replay position): neither a go nor a refusal. */
  | { kind: 'unknown'; fromTli: number; toTli: number; why: string };

/**
 * Whether a standby on `standbyTli` that replayed up to `replayLsn` can follow an upstream on
 * `upstreamTli` whose history file holds `history` (empty for timeline 1). The standby can follow
 * when its timeline is the upstream's, or an ancestor the upstream left at or after `replayLsn`.
 */
export function forkVerdict(
  history: readonly HistoryEntry[],
  upstreamTli: number,
  standbyTli: number,
  replayLsn: string | null,
): ForkVerdict {
  if (standbyTli === upstreamTli) return { kind: 'same-timeline', tli: upstreamTli };
  const entry = history.find((e) => e.tli === standbyTli);
  if (!entry || standbyTli > upstreamTli)
    return { kind: 'unrelated', fromTli: standbyTli, toTli: upstreamTli };
  if (replayLsn === null)
    return {
      kind: 'unknown',
      fromTli: standbyTli,
      toTli: upstreamTli,
      why: 'the standby reports no replay position',
    };
  const common = { fromTli: standbyTli, toTli: upstreamTli, forkLsn: entry.switchpoint, replayLsn };
  return lsnToBigInt(replayLsn) > lsnToBigInt(entry.switchpoint)
    ? { kind: 'diverged', ...common }
    : { kind: 'can-follow', ...common };
}
