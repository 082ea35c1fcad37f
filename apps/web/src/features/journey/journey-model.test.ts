import type { ArchiveEntry, NodeStatus, ReplicationLink, WalSender } from '@walboard/shared';
import { nodeStatusFixture } from '@walboard/shared/testing';
import { describe, expect, it } from 'vitest';
import type { NodeArchive } from '../archive/archive-state.ts';
import { bytesBehind, journeyModel, journeyPair, NEWEST_SHOWN, segmentAt } from './journey-model.ts';

const MiB = 1024 * 1024;

function sender(patch: Partial<WalSender> = {}): WalSender {
  return {
    pid: 42,
    applicationName: 'h2',
    clientAddr: '10.0.0.2',
    state: 'streaming',
    sentLsn: '0/3000100',
    writeLsn: '0/3000100',
    flushLsn: '0/3000000',
    replayLsn: '0/2FFFF00',
    writeLagMs: null,
    flushLagMs: null,
    replayLagMs: null,
    syncState: 'async',
    replyTime: null,
    ...patch,
  };
}

const primary = (patch: Partial<NodeStatus> = {}) =>
  nodeStatusFixture('h1', {
    role: 'primary',
    timeline: 1,
    currentLsn: '0/3800000',
    readyFiles: 2,
    senders: [sender()],
    archiver: {
      archivedCount: 5,
      lastArchivedWal: '000000010000000000000002',
      lastArchivedTime: null,
      failedCount: 0,
      lastFailedWal: null,
      lastFailedTime: null,
      statsReset: null,
      failing: false,
      lastError: null,
    },
    ...patch,
  });
const standby = (patch: Partial<NodeStatus> = {}) =>
  nodeStatusFixture('h2', { role: 'standby', timeline: 1, replayLsn: '0/2FFFF80', ...patch });
const link: ReplicationLink = {
  primary: 'h1',
  standby: 'h2',
  applicationName: 'h2',
  clientAddr: '10.0.0.2',
  streaming: true,
  archiveShipping: true,
  state: 'streaming',
  lag: { replayBytes: 0, flushBytes: 0, replaySeconds: 0, secondsSource: 'caught-up' },
};

function entry(name: string, kind: ArchiveEntry['kind'], second: number): ArchiveEntry {
  return { name, kind, size: 16 * MiB, mtime: new Date(Date.UTC(2026, 0, 1, 0, 0, second)).toISOString() };
}
function archive(entries: ArchiveEntry[], omitted = 0): NodeArchive {
  return {
    status: 'ready',
    dir: '/var/lib/postgresql/wal_archive',
    exists: true,
    entries: new Map(entries.map((e) => [e.name, e])),
    omitted,
    buffered: null,
    problem: null,
  };
}
const seg = (n: number, tl = 1) =>
  `${tl.toString(16).toUpperCase().padStart(8, '0')}00000000${n.toString(16).toUpperCase().padStart(8, '0')}`;

describe('segmentAt', () => {
  it('names the segment as PostgreSQL does and says how full it is', () => {
    expect(segmentAt(1, '0/3800000')).toEqual({ name: '000000010000000000000003', fill: 0.5 });
    expect(segmentAt(2, '16/B374D848')).toEqual({
      name: '0000000200000016000000B3',
      fill: 0x74d848 / (16 * MiB),
    });
    // Timeline 26 and the last segment of a log file.
    expect(segmentAt(26, 'A/FFFFFFFF')?.name).toBe('0000001A0000000A000000FF');
  });

  it('a position on a boundary (right after a switch) starts the next, empty segment', () => {
    expect(segmentAt(1, '0/4000000')).toEqual({ name: '000000010000000000000004', fill: 0 });
    expect(segmentAt(1, '1/0')).toEqual({ name: '000000010000000100000000', fill: 0 });
  });

  it('is exact past 2^53 bytes and refuses what is not an LSN', () => {
    expect(segmentAt(1, 'FFFFFFFF/FFFFFFFF')?.name).toBe('00000001FFFFFFFF000000FF');
    expect(segmentAt(1, 'not/an-lsn')).toBeNull();
    expect(segmentAt(1, null)).toBeNull();
    expect(segmentAt(0, '0/1')).toBeNull();
  });
});

describe('bytesBehind', () => {
  it('is the distance, never negative, null when unknown', () => {
    expect(bytesBehind('0/3000100', '0/3000000')).toBe(0x100);
    expect(bytesBehind('1/0', '0/FFFFFFFF')).toBe(1);
    expect(bytesBehind('0/3000000', '0/3000100')).toBe(0);
    expect(bytesBehind(null, '0/1')).toBeNull();
  });
});

describe('journeyModel', () => {
  it('reads the primary, the shipping path and the streaming stages from the live feed', () => {
    const m = journeyModel({
      primary: primary(),
      standby: standby(),
      link,
      archive: archive([entry(seg(1), 'segment', 1), entry(seg(2), 'segment', 2)]),
    });
    expect(m.primary).toEqual({
      node: 'h1',
      cascading: false,
      reachable: true,
      timeline: 1,
      lsn: '0/3800000',
      segment: '000000010000000000000003',
      fill: 0.5,
    });
    expect(m.shipping).toMatchObject({
      active: true,
      ready: 2,
      archivedCount: 5,
      lastArchived: seg(2),
      failing: false,
      archive: {
        status: 'ready',
        segments: 2,
        newest: [seg(2), seg(1)],
        arriving: [],
        hasLastArchived: true,
      },
    });
    expect(m.standby).toEqual({
      node: 'h2',
      reachable: true,
      replayLsn: '0/2FFFF80',
      replaySegment: seg(2),
    });
    // Behind the primary's 0/3800000: sent and written 0x7FFF00, flushed 0x800000; replay from the standby itself.
    expect(m.streaming).toEqual({
      active: true,
      state: 'streaming',
      stages: [
        { stage: 'sent', lsn: '0/3000100', behind: 0x7fff00 },
        { stage: 'written', lsn: '0/3000100', behind: 0x7fff00 },
        { stage: 'flushed', lsn: '0/3000000', behind: 0x800000 },
        { stage: 'replayed', lsn: '0/2FFFF80', behind: 0x800080 },
      ],
    });
  });

  it('moves when rows are written (LSN and fill) and stays equal when the feed does not change', () => {
    const input = { primary: primary(), standby: standby(), link, archive: archive([]) };
    const before = journeyModel(input);
    expect(journeyModel({ ...input })).toEqual(before);
    const after = journeyModel({ ...input, primary: primary({ currentLsn: '0/3C00000' }) });
    expect(after.primary.fill).toBe(0.75);
    expect(after.primary.segment).toBe(before.primary.segment);
    expect(after.streaming.stages[0]?.behind).toBeGreaterThan(before.streaming.stages[0]?.behind ?? 0);
  });

  it('counts 1,000 segments but names only the newest few; rsync temp files are arriving, never counted', () => {
    const many = Array.from({ length: 1000 }, (_, i) => entry(seg(i + 1), 'segment', i % 60));
    const m = journeyModel({
      primary: primary(),
      standby: standby(),
      link,
      archive: archive(
        [
          ...many,
          entry('00000002.history', 'history', 59),
          entry(`.${seg(1001)}.Ab12Cd`, 'arriving', 59),
          entry('README', 'other', 59),
        ],
        250,
      ),
    });
    const a = m.shipping.archive;
    expect(a.segments).toBe(1250);
    expect(a.others).toBe(1);
    expect(a.newest).toHaveLength(NEWEST_SHOWN);
    // Newest by time, then by name (descending) among files of the same second.
    expect(a.newest[0]).toBe(seg(1000 - 40));
    expect(a.arriving).toEqual([{ file: seg(1001), temp: `.${seg(1001)}.Ab12Cd` }]);
  });

  it('an empty or absent archive shows zero or why there is none; an arriving copy does not make it archived', () => {
    const empty = journeyModel({ primary: primary(), standby: standby(), link, archive: archive([]) });
    expect(empty.shipping.archive).toMatchObject({ status: 'ready', segments: 0, newest: [] });
    const onlyArriving = journeyModel({
      primary: primary({ archiver: { ...primary().archiver!, lastArchivedWal: seg(3) } }),
      standby: standby(),
      link,
      archive: archive([entry(`.${seg(3)}.zz99AA`, 'arriving', 1)]),
    });
    expect(onlyArriving.shipping.archive).toMatchObject({ segments: 0, hasLastArchived: false });
    expect(
      journeyModel({ primary: primary(), standby: standby(), link, archive: undefined }).shipping.archive
        .status,
    ).toBe('loading');
    expect(
      journeyModel({ primary: primary(), standby: standby(), link, archive: { status: 'none' } }).shipping
        .archive.status,
    ).toBe('none');
  });

  it('carries archive failures and unknowns as they are', () => {
    const failing = primary({
      readyFiles: null,
      archiver: {
        ...primary().archiver!,
        failedCount: 3,
        failing: true,
        lastError: 'rsync: connection refused',
      },
    });
    const m = journeyModel({ primary: failing, standby: null, link: null, archive: undefined });
    expect(m.shipping).toMatchObject({
      ready: null,
      failing: true,
      failedCount: 3,
      lastError: 'rsync: connection refused',
    });
    expect(m.standby).toBeNull();
    expect(m.streaming.active).toBe(false);
    expect(m.streaming.stages.every((s) => s.lsn === null && s.behind === null)).toBe(true);
  });

  it('finds the sender by the link, or by the standby name, never another standby’s', () => {
    const other = sender({ applicationName: 'h3', clientAddr: '10.0.0.3', sentLsn: '0/1000000' });
    const p = primary({ senders: [other, sender()] });
    expect(
      journeyModel({ primary: p, standby: standby(), link, archive: undefined }).streaming.stages[0]?.lsn,
    ).toBe('0/3000100');
    expect(
      journeyModel({ primary: p, standby: standby(), link: null, archive: undefined }).streaming.stages[0]
        ?.lsn,
    ).toBe('0/3000100');
    const none = journeyModel({
      primary: primary({ senders: [other] }),
      standby: standby(),
      link: null,
      archive: undefined,
    });
    expect(none.streaming.stages.map((s) => s.lsn)).toEqual([null, null, null, null]);
  });
});

describe('journeyPair', () => {
  it('picks the primary of a link and its standby; else an archiving primary alone; else nothing', () => {
    const nodes = [standby(), primary()];
    expect(journeyPair(nodes, [link])).toMatchObject({
      primary: { node: 'h1' },
      standby: { node: 'h2' },
      link,
    });
    expect(journeyPair(nodes, [])).toMatchObject({ primary: { node: 'h1' }, standby: null, link: null });
    const bare = primary({ archiver: { ...primary().archiver!, archivedCount: 0 } });
    expect(journeyPair([bare, nodeStatusFixture('h2', { role: 'primary' })], [])).toBeNull();
  });
});

describe('journeyModel: cascading (the upstream is a standby)', () => {
  it("measures the cascaded standby against its upstream's received WAL; no shipping from the upstream", () => {
    const h2 = nodeStatusFixture('h2', {
      role: 'standby',
      timeline: 2,
      receiveLsn: '0/3800000',
      replayLsn: '0/3700000',
      senders: [sender({ applicationName: 'h3', clientAddr: '10.0.0.3', flushLsn: '0/3600000' })],
    });
    const h3 = nodeStatusFixture('h3', { role: 'standby', timeline: 2, replayLsn: '0/3500000' });
    const m = journeyModel({
      primary: h2,
      standby: h3,
      link: { ...link, primary: 'h2', standby: 'h3', applicationName: 'h3', clientAddr: '10.0.0.3' },
      archive: undefined,
    });
    expect(m.primary).toMatchObject({ node: 'h2', cascading: true, lsn: '0/3800000' });
    expect(m.primary.segment).toBe('000000020000000000000003');
    expect(m.shipping.active).toBe(false);
    expect(m.streaming.stages.find((s) => s.stage === 'flushed')?.behind).toBe(2 * MiB);
    expect(m.streaming.stages.find((s) => s.stage === 'replayed')?.behind).toBe(3 * MiB);
  });
  it('a primary upstream is not cascading', () => {
    expect(
      journeyModel({ primary: primary(), standby: standby(), link, archive: undefined }).primary.cascading,
    ).toBe(false);
  });
});
