import type { ArchiveChangedEvent, ArchiveEntry, ArchiveListing } from '@walboard/shared';
import { describe, expect, it } from 'vitest';
import {
  type ArchiveAction,
  type ArchiveState,
  archiveReducer,
  arrivingEntries,
  arrivingTarget,
  countByKind,
  humanBytes,
  initialArchiveState,
  type NodeArchive,
  visibleWindow,
} from './archive-state.ts';

const entry = (name: string, second: number, kind: ArchiveEntry['kind'] = 'segment', size = 16_777_216) => ({
  name,
  kind,
  size,
  mtime: new Date(Date.UTC(2026, 10, 25, 12, 0, second)).toISOString(),
});
const S1 = entry('000000010000000000000001', 1);
const S2 = entry('000000010000000000000002', 2);
const S3 = entry('000000010000000000000003', 3);
const H2 = entry('00000002.history', 4, 'history', 42);

const listing = (entries: ArchiveEntry[], extra: Partial<ArchiveListing> = {}): ArchiveListing => ({
  cluster: 'lab',
  node: 'h2',
  dir: '/var/lib/postgresql/wal_archive',
  exists: true,
  entries,
  ...extra,
});
const changed = (
  added: ArchiveEntry[],
  removed: string[],
  extra: Partial<ArchiveChangedEvent> = {},
): ArchiveAction => ({
  type: 'changed',
  event: { cluster: 'lab', node: 'h2', added, removed, exists: true, ...extra },
});

const run = (...actions: ArchiveAction[]): ArchiveState =>
  actions.reduce(archiveReducer, archiveReducer(initialArchiveState, { type: 'select', cluster: 'lab' }));
const node = (s: ArchiveState, name = 'h2'): NodeArchive | undefined => s.nodes.get(name);
const names = (s: ArchiveState, name = 'h2'): string[] => {
  const n = node(s, name);
  return n?.status === 'ready' ? [...n.entries.keys()].sort() : [];
};

const fetchH2: ArchiveAction = { type: 'fetch', cluster: 'lab', node: 'h2' };

describe('archive panel state', () => {
  it('shows the fetched listing, then applies additions and removals', () => {
    const s = run(
      fetchH2,
      { type: 'fetched', listing: listing([S1, S2]) },
      changed([S3], []),
      changed([], [S1.name]),
    );
    expect(names(s)).toEqual([S2.name, S3.name]);
    expect(node(s)).toMatchObject({ status: 'ready', exists: true, dir: '/var/lib/postgresql/wal_archive' });
  });

  it('keeps events that arrive during a fetch and replays them on top of its answer', () => {
    // S3 was added and S1 removed while the request was on its way; the listing is older than both.
    const s = run(fetchH2, changed([S3], []), changed([], [S1.name]), {
      type: 'fetched',
      listing: listing([S1, S2]),
    });
    expect(names(s)).toEqual([S2.name, S3.name]);
  });

  it('replaying events the listing already reflects changes nothing', () => {
    // Here the listing was taken after both events: it already has S3 and no S1.
    const s = run(fetchH2, changed([S3], []), changed([], [S1.name]), {
      type: 'fetched',
      listing: listing([S2, S3]),
    });
    expect(names(s)).toEqual([S2.name, S3.name]);
  });

  it('an add then remove of the same file during a fetch leaves it out', () => {
    const s = run(fetchH2, changed([S3], []), changed([], [S3.name]), {
      type: 'fetched',
      listing: listing([S1]),
    });
    expect(names(s)).toEqual([S1.name]);
  });

  it('a rewritten file (same name) replaces the held entry', () => {
    const bigger = { ...H2, size: 99 };
    const s = run(fetchH2, { type: 'fetched', listing: listing([H2]) }, changed([bigger], []));
    const n = node(s);
    expect(n?.status === 'ready' && n.entries.get(H2.name)?.size).toBe(99);
  });

  it('keeps the panel on screen while a refetch (after a resubscribe) runs, then resyncs', () => {
    let s = run(fetchH2, { type: 'fetched', listing: listing([S1]) }, fetchH2);
    expect(names(s)).toEqual([S1.name]);
    s = archiveReducer(s, changed([S2], []));
    // Not applied yet: it waits for the listing it may be older or newer than.
    expect(names(s)).toEqual([S1.name]);
    s = archiveReducer(s, { type: 'fetched', listing: listing([S1, S3]) });
    expect(names(s)).toEqual([S1.name, S2.name, S3.name]);
  });

  it('a directory that disappears empties the listing; one that appears fills it', () => {
    let s = run(fetchH2, { type: 'fetched', listing: listing([S1, S2]) });
    s = archiveReducer(s, changed([], [S1.name, S2.name], { exists: false }));
    expect(node(s)).toMatchObject({ status: 'ready', exists: false });
    expect(names(s)).toEqual([]);
    s = archiveReducer(s, changed([S3], [], { exists: true }));
    expect(node(s)).toMatchObject({ exists: true });
    expect(names(s)).toEqual([S3.name]);
  });

  it('remembers nodes without an archive dir, and errors, per node', () => {
    const s = run(
      { type: 'fetch', cluster: 'lab', node: 'h1' },
      { type: 'no-archive', cluster: 'lab', node: 'h1' },
      fetchH2,
      {
        type: 'failed',
        cluster: 'lab',
        node: 'h2',
        problem: { code: 'WB_ERR_ARCHIVE_NOT_LISTED', message: 'ssh down' },
      },
      changed([S1], []),
    );
    expect(node(s, 'h1')).toEqual({ status: 'none' });
    // An event cannot be applied to a listing the page never had: the hook refetches instead.
    expect(node(s)).toEqual({
      status: 'error',
      problem: { code: 'WB_ERR_ARCHIVE_NOT_LISTED', message: 'ssh down' },
    });
  });

  it('a failed refetch keeps the listing shown, with the events that came meanwhile, and says so', () => {
    const s = run(fetchH2, { type: 'fetched', listing: listing([S1]) }, fetchH2, changed([S2], []), {
      type: 'failed',
      cluster: 'lab',
      node: 'h2',
      problem: { code: null, message: 'unreachable' },
    });
    expect(names(s)).toEqual([S1.name, S2.name]);
    expect(node(s)).toMatchObject({ status: 'ready', problem: { message: 'unreachable' } });
  });

  it('ignores other clusters and starts empty on a cluster change', () => {
    let s = run(fetchH2, { type: 'fetched', listing: listing([S1]) });
    s = archiveReducer(s, {
      type: 'changed',
      event: { cluster: 'other', node: 'h2', added: [S2], removed: [], exists: true },
    });
    expect(names(s)).toEqual([S1.name]);
    s = archiveReducer(s, { type: 'fetched', listing: listing([S3], { cluster: 'other' }) });
    expect(names(s)).toEqual([S1.name]);
    s = archiveReducer(s, { type: 'select', cluster: 'other' });
    expect(s.nodes.size).toBe(0);
  });

  it('takes "__proto__" as a file name like any other', () => {
    const proto = entry('__proto__', 9, 'other', 1);
    const s = run(fetchH2, { type: 'fetched', listing: listing([proto]) }, changed([], ['constructor']));
    expect(names(s)).toEqual(['__proto__']);
  });

  it('carries the count the controller left out past its cap', () => {
    const s = run(
      fetchH2,
      { type: 'fetched', listing: listing([S1], { omitted: 7 }) },
      changed([S2], [S1.name], { omitted: 8 }),
    );
    expect(node(s)).toMatchObject({ omitted: 8 });
  });
});

describe('what the panel shows', () => {
  it('counts files per kind', () => {
    expect(countByKind([S1, S2, H2, entry('x', 1, 'other')])).toEqual({
      segment: 2,
      history: 1,
      backup: 0,
      partial: 0,
      arriving: 0,
      other: 1,
    });
  });

  it("lists rsync's temporary copies apart as arriving: never rows, never in the total", () => {
    const temp = entry('.000000010000000000000004.id88gB', 10, 'arriving', 4_194_304);
    const w = visibleWindow([S1, S2, temp], 0, 500);
    expect(w.rows.map((e) => e.name)).toEqual([S2.name, S1.name]);
    expect(w.total).toBe(2);
    expect(w.hidden).toBe(0);
    expect(arrivingEntries([S1, temp, S2]).map((e) => e.name)).toEqual([temp.name]);
    expect(arrivingTarget(temp.name)).toBe('000000010000000000000004');
    expect(arrivingTarget('.00000002.history.a1B2c3')).toBe('00000002.history');
  });

  it('renders only the newest rows and counts the rest, including those past the cap', () => {
    const many = Array.from({ length: 2000 }, (_, i) => entry(`f${String(i).padStart(4, '0')}`, i % 60));
    const w = visibleWindow(many, 5, 500);
    expect(w.rows).toHaveLength(500);
    expect(w.hidden).toBe(1505);
    expect(w.total).toBe(2005);
    // Newest first, equal times by name descending.
    expect(w.rows[0]?.mtime).toBe(entry('x', 59).mtime);
    expect((w.rows[0]?.name ?? '') > (w.rows[1]?.name ?? '')).toBe(true);
    expect(visibleWindow([S1, S3, S2], 0, 500).rows.map((e) => e.name)).toEqual([S3.name, S2.name, S1.name]);
  });

  it.each([
    [0, '0 B'],
    [42, '42 B'],
    [1536, '1.5 KiB'],
    [16_777_216, '16 MiB'],
    [123_456_789, '118 MiB'],
    [5 * 1024 ** 4, '5 TiB'],
  ])('%i bytes read as %s', (bytes, text) => {
    expect(humanBytes(bytes)).toBe(text);
  });
});
