/**
 * WAL file names as they appear in an archive: segments (24 hex digits: timeline, log, segment),
 * `.partial` (the old timeline's last segment after a promotion), `.backup` (backup history) and
 * `<timeline>.history`. Ordering ignores the timeline, as pg_archivecleanup does.
 */

export type WalFileKind = 'segment' | 'partial' | 'backup' | 'history';

export interface WalFileName {
  name: string;
  kind: WalFileKind;
  timeline: number;
  /** log × 2^32 / segment size + segment, as a comparable key (the last 16 hex digits). */
  position: string | null;
}

const SEGMENT = /^([0-9A-F]{8})([0-9A-F]{16})(\.partial|\.[0-9A-F]{8}\.backup)?$/;
const HISTORY = /^([0-9A-F]{8})\.history$/;

export function parseWalFileName(name: string): WalFileName | null {
  const s = SEGMENT.exec(name);
  if (s) {
    const kind: WalFileKind = s[3] === '.partial' ? 'partial' : s[3] ? 'backup' : 'segment';
    return { name, kind, timeline: Number.parseInt(s[1] as string, 16), position: s[2] as string };
  }
  const h = HISTORY.exec(name);
  if (h) return { name, kind: 'history', timeline: Number.parseInt(h[1] as string, 16), position: null };
  return null;
}

/**
 * Archive files that come before `redoWalFile` (the segment holding the node's last checkpoint's
 * redo point): segments, .partial and .backup files whose position is lower. History files are
 * always kept (a standby following a later timeline needs them).
 */
export function archiveFilesBefore(names: readonly string[], redoWalFile: string): string[] {
  const redo = parseWalFileName(redoWalFile);
  if (redo?.kind !== 'segment' || !redo.position) throw new Error(`${redoWalFile} is not a WAL segment name`);
  const limit = redo.position;
  return names
    .map(parseWalFileName)
    .filter(
      (w): w is WalFileName =>
        w !== null && w.kind !== 'history' && w.position !== null && w.position < limit,
    )
    .map((w) => w.name)
    .sort();
}
