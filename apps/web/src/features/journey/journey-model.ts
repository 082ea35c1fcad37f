import type { ArchiveEntry, NodeStatus, ReplicationLink, WalSender } from '@walboard/shared';
import { arrivingTarget, type NodeArchive, newestFirst } from '../archive/archive-state.ts';

/**
 * The WAL journey as numbers, from the live feed only: where the primary writes inside its
 * current segment, what waits to be archived, what archive_command shipped, what arrived in the
 * standby's archive directory, and how far each streaming stage is behind the primary.
 */

/** PostgreSQL's default (and the lab's) WAL segment size. */
export const WAL_SEGMENT_BYTES = 16 * 1024 * 1024;
/** Newest archive file names shown; the rest are only counted (an archive may hold thousands). */
export const NEWEST_SHOWN = 3;

const SEGMENTS_PER_LOG = 0x1_0000_0000n / BigInt(WAL_SEGMENT_BYTES);

/** "16/B374D848" → its byte position, exactly (64 bits: a float would round it); null if not an LSN. */
export function lsnBytes(lsn: string | null): bigint | null {
  if (lsn === null) return null;
  const m = /^([0-9A-Fa-f]{1,8})\/([0-9A-Fa-f]{1,8})$/.exec(lsn.trim());
  if (!m?.[1] || !m[2]) return null;
  return (BigInt(`0x${m[1]}`) << 32n) | BigInt(`0x${m[2]}`);
}

const hex8 = (n: bigint) => n.toString(16).toUpperCase().padStart(8, '0');

/**
 * The segment a position lies in, named as in pg_wal and the archive: timeline, then the
 * segment number split in two 8-hex-digit halves. A position exactly on a boundary starts the
 * next segment (it is where the next byte goes).
 */
export function segmentAt(timeline: number, lsn: string | null): { name: string; fill: number } | null {
  const pos = lsnBytes(lsn);
  if (pos === null || !Number.isInteger(timeline) || timeline < 1) return null;
  const segSize = BigInt(WAL_SEGMENT_BYTES);
  const segNo = pos / segSize;
  const name = `${hex8(BigInt(timeline))}${hex8(segNo / SEGMENTS_PER_LOG)}${hex8(segNo % SEGMENTS_PER_LOG)}`;
  return { name, fill: Number(pos % segSize) / WAL_SEGMENT_BYTES };
}

/** Bytes from `behind` up to `ahead`, never negative (two polls may cross); null when unknown. */
export function bytesBehind(ahead: string | null, behind: string | null): number | null {
  const a = lsnBytes(ahead);
  const b = lsnBytes(behind);
  if (a === null || b === null) return null;
  return a > b ? Number(a - b) : 0;
}

export type StreamStage = 'sent' | 'written' | 'flushed' | 'replayed';
export const STREAM_STAGES: readonly StreamStage[] = ['sent', 'written', 'flushed', 'replayed'];

export interface JourneyStage {
  stage: StreamStage;
  lsn: string | null;
  /** Bytes behind the primary's current LSN; null when either is unknown. */
  behind: number | null;
}

export interface JourneyArchive {
  /** 'ready': listed; the other states say why there are no numbers. */
  status: 'ready' | 'loading' | 'none' | 'error' | 'missing';
  /** WAL segments in the directory (files the watcher only counted past its cap included). */
  segments: number;
  /** Other files of the archive: history, backup, partial. */
  others: number;
  /** Newest segment names, newest first (at most NEWEST_SHOWN). */
  newest: string[];
  /** rsync's temporary copies on their way in: shown apart, never counted as archived. */
  arriving: { file: string; temp: string }[];
  /** Whether the segment the primary reports as last archived is in this directory. */
  hasLastArchived: boolean;
}

export interface JourneyModel {
  primary: {
    node: string;
    /**
     * The upstream is itself a standby (cascading): its position is the WAL it has received, and
     * it ships no WAL to an archive (the standby's archive is fed by the primary at the top).
     */
    cascading: boolean;
    reachable: boolean;
    timeline: number | null;
    lsn: string | null;
    /** The segment being written now, and how full it is (0 to 1). */
    segment: string | null;
    fill: number | null;
  };
  shipping: {
    /** The standby restores from the primary's archive (restore_command set). */
    active: boolean;
    /** Segments finished but not archived yet (.ready files); null when unknown. */
    ready: number | null;
    archivedCount: number | null;
    lastArchived: string | null;
    failedCount: number | null;
    failing: boolean;
    lastError: string | null;
    archive: JourneyArchive;
  };
  standby: {
    node: string;
    reachable: boolean;
    replayLsn: string | null;
    /** The segment the standby's replay position lies in. */
    replaySegment: string | null;
  } | null;
  streaming: {
    active: boolean;
    /** The WAL sender's state (streaming, catchup…), when there is one for this standby. */
    state: string | null;
    stages: JourneyStage[];
  };
}

export interface JourneyInput {
  primary: NodeStatus;
  standby: NodeStatus | null;
  /** The primary → standby edge of the topology, when there is one. */
  link: ReplicationLink | null;
  /** The standby's archive directory as the archive panels follow it; undefined until asked. */
  archive: NodeArchive | undefined;
}

const reachable = (s: NodeStatus) => s.reachability.pg === 'up' && s.reachability.ssh !== 'down';

/** The primary's WAL sender that serves this standby: matched as the topology matched it. */
export function senderFor(
  primary: NodeStatus,
  standby: string | null,
  link: ReplicationLink | null,
): WalSender | null {
  const senders = primary.senders;
  if (link?.applicationName != null) {
    const byLink = senders.find(
      (s) =>
        s.applicationName === link.applicationName &&
        (link.clientAddr === null || s.clientAddr === link.clientAddr),
    );
    if (byLink) return byLink;
  }
  return standby === null ? null : (senders.find((s) => s.applicationName === standby) ?? null);
}

function archiveOf(archive: NodeArchive | undefined, lastArchived: string | null): JourneyArchive {
  const empty: Omit<JourneyArchive, 'status'> = {
    segments: 0,
    others: 0,
    newest: [],
    arriving: [],
    hasLastArchived: false,
  };
  if (!archive || archive.status === 'loading') return { status: 'loading', ...empty };
  if (archive.status === 'none') return { status: 'none', ...empty };
  if (archive.status === 'error') return { status: 'error', ...empty };
  if (!archive.exists) return { status: 'missing', ...empty };
  const segments: ArchiveEntry[] = [];
  const arriving: ArchiveEntry[] = [];
  let others = 0;
  for (const e of archive.entries.values()) {
    if (e.kind === 'segment') segments.push(e);
    else if (e.kind === 'arriving') arriving.push(e);
    else if (e.kind !== 'other') others++;
  }
  // Only the newest few are sorted out of what may be thousands: one pass keeps the top ones.
  const newest: ArchiveEntry[] = [];
  for (const e of segments) {
    newest.push(e);
    newest.sort(newestFirst);
    if (newest.length > NEWEST_SHOWN) newest.pop();
  }
  return {
    status: 'ready',
    segments: segments.length + archive.omitted,
    others,
    newest: newest.map((e) => e.name),
    arriving: arriving.sort(newestFirst).map((e) => ({ file: arrivingTarget(e.name), temp: e.name })),
    hasLastArchived: lastArchived !== null && archive.entries.get(lastArchived)?.kind === 'segment',
  };
}

export function journeyModel({ primary, standby, link, archive }: JourneyInput): JourneyModel {
  const cascading = primary.role === 'standby';
  const upstreamLsn = cascading ? (primary.receiveLsn ?? primary.replayLsn) : primary.currentLsn;
  const current = primary.timeline === null ? null : segmentAt(primary.timeline, upstreamLsn);
  const arch = primary.archiver;
  const sender = senderFor(primary, standby?.node ?? null, link);
  // The standby's own replay position is read every poll; the sender's copy waits for feedback.
  const replayed = standby?.replayLsn ?? sender?.replayLsn ?? null;
  const stageLsn: Record<StreamStage, string | null> = {
    sent: sender?.sentLsn ?? null,
    written: sender?.writeLsn ?? null,
    flushed: sender?.flushLsn ?? null,
    replayed: sender ? replayed : null,
  };
  const standbyTimeline = standby?.timeline ?? primary.timeline;
  return {
    primary: {
      node: primary.node,
      cascading,
      reachable: reachable(primary),
      timeline: primary.timeline,
      lsn: upstreamLsn,
      segment: current?.name ?? null,
      fill: current?.fill ?? null,
    },
    shipping: {
      active: !cascading && (link?.archiveShipping ?? false),
      ready: primary.readyFiles,
      archivedCount: arch?.archivedCount ?? null,
      lastArchived: arch?.lastArchivedWal ?? null,
      failedCount: arch?.failedCount ?? null,
      failing: arch?.failing ?? false,
      lastError: arch?.lastError ?? null,
      archive: archiveOf(archive, arch?.lastArchivedWal ?? null),
    },
    standby: standby
      ? {
          node: standby.node,
          reachable: reachable(standby),
          replayLsn: standby.replayLsn,
          replaySegment:
            standbyTimeline === null ? null : (segmentAt(standbyTimeline, standby.replayLsn)?.name ?? null),
        }
      : null,
    streaming: {
      active: link?.streaming ?? false,
      state: sender?.state ?? null,
      stages: STREAM_STAGES.map((stage) => ({
        stage,
        lsn: stageLsn[stage],
        behind: bytesBehind(upstreamLsn, stageLsn[stage]),
      })),
    },
  };
}

/**
 * The pair the Overview draws: the first reachable-or-not primary with a standby on a link, and
 * that standby; else a primary that archives (the picture's shipping half), with no standby.
 */
export function journeyPair(
  nodes: readonly NodeStatus[],
  links: readonly ReplicationLink[],
): { primary: NodeStatus; standby: NodeStatus | null; link: ReplicationLink | null } | null {
  const primaries = nodes.filter((n) => n.role === 'primary');
  for (const p of primaries) {
    for (const l of links) {
      if (l.primary !== p.node || l.standby === null) continue;
      const s = nodes.find((n) => n.node === l.standby);
      if (s) return { primary: p, standby: s, link: l };
    }
  }
  const archiving = primaries.find(
    (p) => p.archiver !== null && (p.archiver.archivedCount > 0 || p.archiver.failedCount > 0),
  );
  return archiving ? { primary: archiving, standby: null, link: null } : null;
}
