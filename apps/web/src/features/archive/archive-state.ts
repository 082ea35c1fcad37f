import type { ArchiveChangedEvent, ArchiveEntry, ArchiveListing } from '@walboard/shared';

/** Why a node's listing could not be fetched, as the page shows it. */
export interface ArchiveProblem {
  code: string | null;
  message: string;
}

/** What the page knows about one node's archive directory. */
export type NodeArchive =
  /** Asked, no answer yet. */
  | { status: 'loading'; buffered: readonly ArchiveChangedEvent[] }
  /** The node has no archiveDir in walboard.yaml: no panel. */
  | { status: 'none' }
  | { status: 'error'; problem: ArchiveProblem }
  | {
      status: 'ready';
      dir: string;
      exists: boolean;
      /** Keyed by file name (names are data: "__proto__" is a valid file name). */
      entries: ReadonlyMap<string, ArchiveEntry>;
      omitted: number;
      /** Set while a refetch is on its way: events wait here, then replay on top of its answer. */
      buffered: readonly ArchiveChangedEvent[] | null;
      /** The last refetch failed: the listing shown is the one held before, kept up to date by events. */
      problem: ArchiveProblem | null;
    };

export interface ArchiveState {
  cluster: string | null;
  nodes: ReadonlyMap<string, NodeArchive>;
}

export type ArchiveAction =
  | { type: 'select'; cluster: string | null }
  /** A REST fetch of this node's listing starts: events from now on are kept until it answers. */
  | { type: 'fetch'; cluster: string; node: string }
  | { type: 'fetched'; listing: ArchiveListing }
  | { type: 'no-archive'; cluster: string; node: string }
  | { type: 'failed'; cluster: string; node: string; problem: ArchiveProblem }
  | { type: 'changed'; event: ArchiveChangedEvent };

export const initialArchiveState: ArchiveState = { cluster: null, nodes: new Map() };

type Ready = Extract<NodeArchive, { status: 'ready' }>;

/** Applies one change event: removals, then additions (a changed file comes as an addition). */
function applyEvent(node: Ready, ev: ArchiveChangedEvent): Ready {
  const entries = new Map(ev.exists ? node.entries : []);
  for (const name of ev.removed) entries.delete(name);
  if (ev.exists) for (const e of ev.added) entries.set(e.name, e);
  return { ...node, exists: ev.exists, entries, omitted: ev.omitted ?? 0 };
}

function withNode(state: ArchiveState, node: string, next: NodeArchive): ArchiveState {
  const nodes = new Map(state.nodes);
  nodes.set(node, next);
  return { ...state, nodes };
}

/**
 * Pure reducer of the archive panels. A fetched listing replaces the node's entries, then every
 * event received since the fetch started is applied again on top: events are per-name sets and
 * deletes in order, so replaying ones the listing already reflects changes nothing, and none is lost.
 */
export function archiveReducer(state: ArchiveState, action: ArchiveAction): ArchiveState {
  switch (action.type) {
    case 'select':
      if (action.cluster === state.cluster) return state;
      return { cluster: action.cluster, nodes: new Map() };

    case 'fetch': {
      if (action.cluster !== state.cluster) return state;
      const held = state.nodes.get(action.node);
      // A panel already shown stays on screen while it refreshes.
      if (held?.status === 'ready')
        return withNode(state, action.node, { ...held, buffered: held.buffered ?? [] });
      return withNode(state, action.node, { status: 'loading', buffered: [] });
    }

    case 'fetched': {
      const { listing } = action;
      if (listing.cluster !== state.cluster) return state;
      const held = state.nodes.get(listing.node);
      const buffered = held?.status === 'loading' || held?.status === 'ready' ? (held.buffered ?? []) : [];
      let next: Ready = {
        status: 'ready',
        dir: listing.dir,
        exists: listing.exists,
        entries: new Map(listing.entries.map((e) => [e.name, e])),
        omitted: listing.omitted ?? 0,
        buffered: null,
        problem: null,
      };
      for (const ev of buffered) next = applyEvent(next, ev);
      return withNode(state, listing.node, next);
    }

    case 'no-archive':
      if (action.cluster !== state.cluster) return state;
      return withNode(state, action.node, { status: 'none' });

    case 'failed': {
      if (action.cluster !== state.cluster) return state;
      const held = state.nodes.get(action.node);
      if (held?.status !== 'ready')
        return withNode(state, action.node, { status: 'error', problem: action.problem });
      // Keep what is on screen (and what arrived meanwhile) rather than blank a working panel.
      let next: Ready = { ...held, buffered: null, problem: action.problem };
      for (const ev of held.buffered ?? []) next = applyEvent(next, ev);
      return withNode(state, action.node, next);
    }

    case 'changed': {
      const { event } = action;
      if (event.cluster !== state.cluster) return state;
      const held = state.nodes.get(event.node);
      if (held?.status === 'loading')
        return withNode(state, event.node, { ...held, buffered: [...held.buffered, event] });
      if (held?.status !== 'ready') return state; // nothing to apply it to: the next fetch brings it
      if (held.buffered) return withNode(state, event.node, { ...held, buffered: [...held.buffered, event] });
      return withNode(state, event.node, applyEvent(held, event));
    }
  }
}

export type ArchiveKind = ArchiveEntry['kind'];
/** The kinds counted as files of the archive; 'arriving' copies are shown apart, never counted. */
export const archiveKinds: readonly ArchiveKind[] = ['segment', 'history', 'backup', 'partial', 'other'];

/** How many files of each kind the listing holds (what a student counts with `ls`). */
export function countByKind(entries: Iterable<ArchiveEntry>): Record<ArchiveKind, number> {
  const out: Record<ArchiveKind, number> = {
    segment: 0,
    history: 0,
    backup: 0,
    partial: 0,
    arriving: 0,
    other: 0,
  };
  for (const e of entries) out[e.kind]++;
  return out;
}

/** rsync's temporary copies (".<name>.XXXXXX") being written right now, newest first. */
export function arrivingEntries(entries: Iterable<ArchiveEntry>): ArchiveEntry[] {
  return [...entries].filter((e) => e.kind === 'arriving').sort(newestFirst);
}

/** The file an arriving copy will become: ".000000010000000000000003.id88gB" → "000000010000000000000003". */
export function arrivingTarget(name: string): string {
  return name.startsWith('.') && name.length > 8 ? name.slice(1, -7) : name;
}

/** Newest first; equal times by name (descending, like the server) so rows never swap places. */
export function newestFirst(a: ArchiveEntry, b: ArchiveEntry): number {
  if (a.mtime !== b.mtime) return a.mtime < b.mtime ? 1 : -1;
  return a.name < b.name ? 1 : a.name > b.name ? -1 : 0;
}

/**
 * The rows to render: the newest `limit` files of the archive, and how many more exist (the ones
 * not rendered plus those the controller left out past its cap). Arriving copies are not files of
 * the archive yet: neither rows nor counted. Keeps a 20,000-file archive from freezing the page.
 */
export function visibleWindow(
  entries: Iterable<ArchiveEntry>,
  omitted: number,
  limit: number,
): { rows: ArchiveEntry[]; hidden: number; total: number } {
  const all = [...entries].filter((e) => e.kind !== 'arriving').sort(newestFirst);
  const rows = all.slice(0, limit);
  return { rows, hidden: all.length - rows.length + omitted, total: all.length + omitted };
}

const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'] as const;

/** "16 MiB", "1.5 KiB", "0 B": binary units, as WAL segment sizes are. */
export function humanBytes(bytes: number): string {
  let v = bytes;
  let i = 0;
  while (Math.abs(v) >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  const shown = i === 0 || Number.isInteger(v) ? String(v) : v.toFixed(v < 10 ? 1 : 0);
  return `${shown} ${units[i]}`;
}
