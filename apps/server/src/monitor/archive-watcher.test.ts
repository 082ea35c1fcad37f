import { mkdirSync, mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { nodeSchema } from '@walboard/shared/config';
import type { ArchiveChangedEvent } from '@walboard/shared/events';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { LocalTransport } from '../nodes/local-transport.ts';
import { NodeSession } from '../nodes/node-session.ts';
import { SshTransport } from '../nodes/ssh-transport.ts';
import { freePort, type SshdFixture, sshTransportTo, startSshd } from '../nodes/test-support/sshd-fixture.ts';
import type { FileEntry, Transport } from '../nodes/transport.ts';
import {
  ArchiveWatcher,
  type ArchiveWatcherOptions,
  ArchiveWatchers,
  archiveKind,
  diffListings,
  toArchiveEntries,
} from './archive-watcher.ts';
import { MonitorBus } from './monitor-bus.ts';

const SEG = '000000010000000000000003';
const FAST: ArchiveWatcherOptions = { intervalMs: 50, listTimeoutMs: 5000, maxEntries: 20_000 };

/** Collects a watcher's events and waits for one that matches, instead of sleeping. */
function recorder() {
  const events: ArchiveChangedEvent[] = [];
  const waiters: { match: (e: ArchiveChangedEvent) => boolean; resolve: (e: ArchiveChangedEvent) => void }[] =
    [];
  const push = (e: ArchiveChangedEvent) => {
    events.push(e);
    for (const w of [...waiters]) {
      if (w.match(e)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(e);
      }
    }
  };
  /** Resolves with the first event (from index `from` on) that matches. */
  const waitFor = (match: (e: ArchiveChangedEvent) => boolean, timeoutMs = 5000, from = 0) => {
    const seen = events.slice(from).find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise<ArchiveChangedEvent>((resolve, reject) => {
      const t = setTimeout(
        () =>
          reject(new Error(`no matching archive event within ${timeoutMs} ms: ${JSON.stringify(events)}`)),
        timeoutMs,
      );
      waiters.push({
        match,
        resolve: (e) => {
          clearTimeout(t);
          resolve(e);
        },
      });
    });
  };
  return { events, push, waitFor };
}

const file = (name: string, mtimeMs = 1_700_000_000_000, size = 16, type: FileEntry['type'] = 'file') => ({
  name,
  type,
  size,
  mtimeMs,
});

describe('archive file names', () => {
  it.each([
    [SEG, 'segment'],
    ['00000002000000000000000A', 'segment'],
    ['00000002.history', 'history'],
    [`${SEG}.00000028.backup`, 'backup'],
    [`${SEG}.partial`, 'partial'],
    // rsync's temporary copy of a file on its way in: arriving, not yet a file of the archive.
    [`.${SEG}.Xq3zLk`, 'arriving'],
    ['.000000010000000000000003.id88gB', 'arriving'],
    ['.00000002.history.a1B2c3', 'arriving'],
    [`.${SEG}.partial.zzzzzz`, 'arriving'],
    // Not what PostgreSQL or rsync writes: lower case, wrong length, compressed, odd temp suffixes.
    ['000000010000000000000003'.toLowerCase().replace('0', 'a'), 'other'],
    ['00000001000000000000003', 'other'],
    [`${SEG}.gz`, 'other'],
    [`.${SEG}.Xq3zL`, 'other'],
    [`.${SEG}.Xq3z-k`, 'other'],
    [`${SEG}.Xq3zLk`, 'other'],
    ['$(touch /tmp/pwned)', 'other'],
  ])('%s is of kind %s', (name, kind) => {
    expect(archiveKind(name)).toBe(kind);
  });

  it('skips directories and keeps only the newest files past the cap, counting the rest', () => {
    const files = [
      file('a', 1000),
      file('sub', 9000, 4096, 'dir'),
      file('b', 3000),
      file('c', 2000),
      file('d', 4000),
    ];
    const all = toArchiveEntries(files, 10);
    expect(all.entries.map((e) => e.name).sort()).toEqual(['a', 'b', 'c', 'd']);
    expect(all.omitted).toBe(0);
    const capped = toArchiveEntries(files, 2);
    expect(capped.entries.map((e) => e.name)).toEqual(['d', 'b']);
    expect(capped.omitted).toBe(2);
    expect(capped.entries[0]).toEqual({
      name: 'd',
      kind: 'other',
      size: 16,
      mtime: new Date(4000).toISOString(),
    });
  });

  it('diffs listings: new and changed entries are added, missing names removed', () => {
    const m = (...entries: ReturnType<typeof toArchiveEntries>['entries']) =>
      new Map(entries.map((e) => [e.name, e]));
    const before = toArchiveEntries([file('a', 1000), file('b', 1000), file('c', 1000)], 10).entries;
    const after = toArchiveEntries([file('a', 1000), file('b', 1000, 99), file('d', 1000)], 10).entries;
    const d = diffListings(m(...before), m(...after));
    expect(d.added.map((e) => e.name).sort()).toEqual(['b', 'd']);
    expect(d.removed).toEqual(['c']);
    expect(diffListings(m(...after), m(...after))).toEqual({ added: [], removed: [] });
  });
});

describe('ArchiveWatcher on a real directory (LocalTransport)', () => {
  let base: string;
  const transport: Transport = new LocalTransport({ node: 'n1' });
  const started: ArchiveWatcher[] = [];
  const watch = (dir: string, opts: ArchiveWatcherOptions = FAST) => {
    const rec = recorder();
    const w = new ArchiveWatcher('lab', 'n1', dir, transport, rec.push, opts);
    started.push(w);
    w.start();
    return { w, rec };
  };

  beforeAll(() => {
    base = mkdtempSync('/tmp/walboard-archive-');
  });
  afterEach(() => {
    for (const w of started.splice(0)) w.stop();
  });
  afterAll(() => {
    rmSync(base, { recursive: true, force: true });
  });

  it('says a missing directory does not exist, then picks it up and follows files coming and going', async () => {
    const dir = join(base, 'later');
    const { w, rec } = watch(dir);
    const first = await rec.waitFor(() => true);
    expect(first).toEqual({ cluster: 'lab', node: 'n1', added: [], removed: [], exists: false });
    expect(w.listing).toEqual({ cluster: 'lab', node: 'n1', dir, exists: false, entries: [] });
    // Nothing changes while the directory stays missing: no event per tick, no error kept.
    const lists = w.stats.lists;
    await new Promise<void>((resolve) => {
      const check = () => (w.stats.lists >= lists + 3 ? resolve() : setTimeout(check, 20));
      check();
    });
    expect(rec.events).toHaveLength(1);
    expect(w.stats.lastError).toBeNull();

    mkdirSync(dir);
    writeFileSync(join(dir, SEG), Buffer.alloc(1024, 1));
    writeFileSync(join(dir, '00000002.history'), '1\t0/3000000\tno recovery target specified\n');
    const appeared = await rec.waitFor((e) => e.exists && e.added.length === 2);
    expect(appeared.removed).toEqual([]);
    const seg = appeared.added.find((e) => e.name === SEG);
    expect(seg).toMatchObject({ kind: 'segment', size: 1024 });
    expect(Math.abs(Date.parse(seg?.mtime ?? '') - Date.now())).toBeLessThan(60_000);
    expect(appeared.added.find((e) => e.name === '00000002.history')?.kind).toBe('history');

    const n = rec.events.length;
    rmSync(join(dir, SEG));
    const gone = await rec.waitFor((e) => e.removed.length > 0, 5000, n);
    expect(gone).toMatchObject({ added: [], removed: [SEG], exists: true });
    expect(w.listing.entries.map((e) => e.name)).toEqual(['00000002.history']);

    // A file rewritten in place (same name, new size) is sent again as added: viewers replace it.
    const m = rec.events.length;
    writeFileSync(join(dir, '00000002.history'), 'longer contents now\n'.repeat(10));
    const changed = await rec.waitFor((e) => e.added.length > 0, 5000, m);
    expect(changed.added[0]).toMatchObject({ name: '00000002.history', size: 200 });

    // The directory itself removed: everything goes, exists becomes false.
    const k = rec.events.length;
    rmSync(dir, { recursive: true });
    const vanished = await rec.waitFor((e) => !e.exists, 5000, k);
    expect(vanished.removed).toEqual(['00000002.history']);
  });

  it('lists newest first and, past the cap, keeps the newest files and counts the others', async () => {
    const dir = join(base, 'capped');
    mkdirSync(dir);
    for (let i = 1; i <= 8; i++) {
      const name = `0000000100000000000000${String(i).padStart(2, '0')}`;
      writeFileSync(join(dir, name), '');
      utimesSync(join(dir, name), 1_700_000_000 + i, 1_700_000_000 + i);
    }
    const { w, rec } = watch(dir, { ...FAST, maxEntries: 5 });
    const first = await rec.waitFor(() => true);
    expect(first.omitted).toBe(3);
    expect(w.listing.omitted).toBe(3);
    expect(w.listing.entries.map((e) => e.name.slice(-2))).toEqual(['08', '07', '06', '05', '04']);

    // A newer file pushes the oldest listed one out of the window, and the count of others grows.
    const n = rec.events.length;
    writeFileSync(join(dir, `${SEG.slice(0, 22)}09`), '');
    utimesSync(join(dir, `${SEG.slice(0, 22)}09`), 1_700_000_009, 1_700_000_009);
    const next = await rec.waitFor((e) => e.added.length > 0, 5000, n);
    expect(next.added.map((e) => e.name.slice(-2))).toEqual(['09']);
    expect(next.removed.map((name) => name.slice(-2))).toEqual(['04']);
    expect(next.omitted).toBe(4);
  });

  it('shows hostile file names verbatim and never runs them', async () => {
    const dir = join(base, 'hostile');
    mkdirSync(dir);
    const names = [
      '$(touch pwned)',
      '`touch pwned2`',
      'a\'b"c;rm -rf x',
      'line\nbreak',
      '<img src=x onerror=alert(1)>',
      '-n',
    ];
    for (const name of names) writeFileSync(join(dir, name), 'x');
    const { w, rec } = watch(dir);
    const first = await rec.waitFor((e) => e.exists);
    expect(first.added.map((e) => e.name).sort()).toEqual([...names].sort());
    expect(w.listing.entries.every((e) => e.kind === 'other')).toBe(true);
    expect(readdirSync(dir).sort()).toEqual([...names].sort());
  });
});

describe('ArchiveWatcher over SFTP (SshTransport to a real sshd)', () => {
  let sshd: SshdFixture;
  let t: SshTransport;
  let dir: string;
  let w: ArchiveWatcher | undefined;

  beforeAll(async () => {
    sshd = await startSshd();
    t = sshTransportTo(sshd, { keepaliveIntervalMs: 500 });
    t.start();
    await t.connect();
    dir = mkdtempSync('/tmp/walboard-archive-sftp-');
  });
  afterAll(async () => {
    w?.stop();
    await t?.close();
    await sshd?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('follows the directory with one SFTP list per tick, keeps the listing while the link is down', async () => {
    const median = async (expected: number) => {
      const costs: number[] = [];
      for (let i = 0; i < 11; i++) {
        const t0 = performance.now();
        expect(await t.list(dir)).toHaveLength(expected);
        costs.push(performance.now() - t0);
      }
      return costs.sort((a, b) => a - b)[5]?.toFixed(1);
    };
    for (let i = 0; i < 20; i++)
      writeFileSync(join(dir, `${SEG.slice(0, 20)}A${String(i).padStart(3, '0')}`), '');
    const small = await median(20);
    for (let i = 20; i < 1000; i++)
      writeFileSync(join(dir, `00000001000000000000${i.toString(16).toUpperCase().padStart(4, '0')}`), '');
    // The cost the watcher pays each tick: one readdir on the open connection (measured here).
    console.log(`sftp list: median ${small} ms for 20 files, ${await median(1000)} ms for 1000 files`);

    const rec = recorder();
    w = new ArchiveWatcher('lab', 'n1', dir, t, rec.push, { ...FAST, intervalMs: 200 });
    w.start();
    const first = await rec.waitFor(() => true);
    expect(first.exists).toBe(true);
    expect(first.added).toHaveLength(1000);
    const sessions = () => sshd.log().match(/Starting session: .*/g) ?? [];

    let n = rec.events.length;
    writeFileSync(join(dir, `${SEG}.partial`), Buffer.alloc(7));
    const added = await rec.waitFor((e) => e.added.length > 0, 5000, n);
    expect(added.added).toEqual([
      expect.objectContaining({ name: `${SEG}.partial`, kind: 'partial', size: 7 }),
    ]);
    // Every listing so far went through the connection's one SFTP session: no command was run.
    expect(w.stats.lists).toBeGreaterThanOrEqual(2);
    expect(sessions()).toEqual([expect.stringMatching(/^Starting session: subsystem 'sftp'/)]);

    // Link down: no bogus removals, the last listing stays.
    n = rec.events.length;
    await sshd.pause();
    await new Promise<void>((resolve) => {
      const check = () => (t.isUp() ? setTimeout(check, 20) : resolve());
      check();
    });
    rmSync(join(dir, `${SEG}.partial`));
    const listsWhileDown = w.stats.lists;
    await new Promise((r) => setTimeout(r, 600)); // three ticks with the link down
    expect(rec.events.length).toBe(n);
    expect(w.listing.entries).toHaveLength(1001);
    expect(w.stats.lists).toBe(listsWhileDown);
    expect(w.stats.lastError).toMatch(/down/);

    // Back up: the removal made meanwhile arrives by itself.
    await sshd.resume();
    const removed = await rec.waitFor((e) => e.removed.length > 0, 15_000, n);
    expect(removed.removed).toEqual([`${SEG}.partial`]);
    expect(w.listing.entries).toHaveLength(1000);
  });
});

describe('ArchiveWatchers: one per node with an archiveDir', () => {
  it('says why there is no listing: unknown cluster or node, no archiveDir, or a link that never came up', async () => {
    // A real ssh transport to a port where nothing listens: it never comes up.
    const port = await freePort();
    const down = new SshTransport({
      node: 'h1',
      host: '127.0.0.1',
      port,
      username: 'postgres',
      privateKey: 'not used: the connection is refused first',
      hostKey: 'SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
    });
    const node = (name: string, archiveDir?: string) =>
      nodeSchema.parse({
        name,
        host: '127.0.0.1',
        ssh: {
          user: 'postgres',
          privateKeyPath: '/nonexistent',
          hostKey: 'SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
        },
        postgres: { binDir: '/usr/bin', dataDir: '/nonexistent' },
        ...(archiveDir ? { archiveDir } : {}),
      });
    const endpoint = {
      host: '127.0.0.1',
      port: 1,
      user: 'postgres',
      database: 'postgres',
      password: undefined,
    };
    const sessions = [
      new NodeSession('lab', node('h1', '/var/lib/postgresql/wal_archive'), down, endpoint),
      new NodeSession('lab', node('h2'), down, endpoint),
    ];
    const events: ArchiveChangedEvent[] = [];
    const bus = new MonitorBus();
    bus.on('archive', (e) => events.push(e));
    const watchers = new ArchiveWatchers(sessions, bus, { ...FAST, listTimeoutMs: 300 });
    expect(watchers.watcher('lab', 'h1')).toBeDefined();
    expect(watchers.watcher('lab', 'h2')).toBeUndefined();
    watchers.start();
    try {
      expect(await watchers.listing('nope', 'h1')).toEqual({ kind: 'no-cluster' });
      expect(await watchers.listing('lab', 'h9')).toEqual({ kind: 'no-node' });
      expect(await watchers.listing('lab', 'h2')).toEqual({ kind: 'no-archive-dir' });
      const t0 = Date.now();
      const h1 = await watchers.listing('lab', 'h1');
      // Waited for a first listing (bounded), then said why there is none — never "empty".
      expect(Date.now() - t0).toBeGreaterThanOrEqual(250);
      expect(h1).toEqual({ kind: 'not-yet', reason: 'the ssh link to h1 is down' });
      expect(events).toEqual([]);
    } finally {
      watchers.stop();
      await down.close();
    }
  });
});
