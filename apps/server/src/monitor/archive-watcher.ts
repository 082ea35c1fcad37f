import type { ArchiveChangedEvent } from '@walboard/shared/events';
import type { ArchiveEntry, ArchiveListing } from '@walboard/shared/status';
import type { NodeSession } from '../nodes/node-session.ts';
import { type FileEntry, type Transport, TransportError } from '../nodes/transport.ts';
import type { MonitorBus } from './monitor-bus.ts';

export interface ArchiveWatcherOptions {
  /** Time between the end of one listing and the start of the next. */
  intervalMs: number;
  /** A listing slower than this counts as failed (the last listing is kept). */
  listTimeoutMs: number;
  /** At most this many files are listed (the newest); the rest are only counted as `omitted`. */
  maxEntries: number;
}

export const DEFAULT_ARCHIVE_WATCHER_OPTIONS: ArchiveWatcherOptions = {
  intervalMs: 1000,
  listTimeoutMs: 5000,
  maxEntries: 20_000,
};

// PostgreSQL's own file-name shapes (xlog_internal.h: IsXLogFileName, IsTLHistoryFileName,
// IsBackupHistoryFileName, IsPartialXLogFileName): upper-case hex only, as the server writes them.
const SEGMENT = /^[0-9A-F]{24}$/;
const HISTORY = /^[0-9A-F]{8}\.history$/;
const BACKUP = /^[0-9A-F]{24}\.[0-9A-F]{8}\.backup$/;
const PARTIAL = /^[0-9A-F]{24}\.partial$/;
// rsync writes into ".<name>.XXXXXX" beside the target and renames it when complete.
const RSYNC_TEMP =
  /^\.([0-9A-F]{24}(\.partial|\.[0-9A-F]{8}\.backup)?|[0-9A-F]{8}\.history)\.[A-Za-z0-9]{6}$/;

/**
 * What kind of archive file a name is; rsync's temporary copy of one is 'arriving'; anything else
 * PostgreSQL would not have written is 'other'.
 */
export function archiveKind(name: string): ArchiveEntry['kind'] {
  if (SEGMENT.test(name)) return 'segment';
  if (HISTORY.test(name)) return 'history';
  if (BACKUP.test(name)) return 'backup';
  if (PARTIAL.test(name)) return 'partial';
  if (RSYNC_TEMP.test(name)) return 'arriving';
  return 'other';
}

/** Newest first; equal times by name so the order (and the cap) never flickers. */
export function newestFirst(a: ArchiveEntry, b: ArchiveEntry): number {
  if (a.mtime !== b.mtime) return a.mtime < b.mtime ? 1 : -1;
  return a.name < b.name ? 1 : a.name > b.name ? -1 : 0;
}

/**
 * Turns a raw directory listing into archive entries: sub-directories are skipped (nothing the
 * archiver writes), and past `max` only the newest files are kept — the rest are counted.
 */
export function toArchiveEntries(
  files: readonly FileEntry[],
  max: number,
): { entries: ArchiveEntry[]; omitted: number } {
  const entries: ArchiveEntry[] = [];
  for (const f of files) {
    if (f.type === 'dir') continue;
    entries.push({
      name: f.name,
      kind: archiveKind(f.name),
      size: f.size,
      mtime: new Date(f.mtimeMs).toISOString(),
    });
  }
  if (entries.length <= max) return { entries, omitted: 0 };
  entries.sort(newestFirst);
  return { entries: entries.slice(0, max), omitted: entries.length - max };
}

/** Entries that are new or changed (size or time) in `next`, and names gone from it. */
export function diffListings(
  prev: ReadonlyMap<string, ArchiveEntry>,
  next: ReadonlyMap<string, ArchiveEntry>,
): { added: ArchiveEntry[]; removed: string[] } {
  const added: ArchiveEntry[] = [];
  const removed: string[] = [];
  for (const [name, e] of next) {
    const old = prev.get(name);
    if (!old || old.size !== e.size || old.mtime !== e.mtime || old.kind !== e.kind) added.push(e);
  }
  for (const name of prev.keys()) if (!next.has(name)) removed.push(name);
  return { added, removed };
}

type Observation =
  | { kind: 'listed'; entries: ArchiveEntry[]; omitted: number }
  | { kind: 'missing' }
  | { kind: 'failed'; reason: string };

/**
 * Keeps a live listing of one node's archive directory through its transport (one `list` on the
 * open connection per tick: SFTP readdir for ssh nodes, never a shell per file) and publishes
 * additions and removals. File names are data: they are only compared and passed on, never run.
 */
export class ArchiveWatcher {
  private entries = new Map<string, ArchiveEntry>();
  private exists = false;
  private omitted = 0;
  /** True once one listing (or a definite "does not exist") came back. */
  private observed = false;
  private lastError: string | null = null;
  private timer: NodeJS.Timeout | null = null;
  private stopped = true;
  private unsubscribe: (() => void) | null = null;
  private inflight: Promise<Observation> | null = null;
  private firstAttempt: Promise<void>;
  private settleFirst: () => void = () => {};
  private lists = 0;
  private lastListMs: number | null = null;

  constructor(
    readonly cluster: string,
    readonly node: string,
    readonly dir: string,
    private readonly transport: Transport,
    private readonly publish: (event: ArchiveChangedEvent) => void,
    private readonly opts: ArchiveWatcherOptions = DEFAULT_ARCHIVE_WATCHER_OPTIONS,
  ) {
    this.firstAttempt = new Promise((resolve) => {
      this.settleFirst = resolve;
    });
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    // A link that comes back may bring a changed directory: look at once, not at the next tick.
    this.unsubscribe = this.transport.onStateChange((up) => {
      if (up && !this.stopped && !this.inflight) this.schedule(0);
    });
    this.schedule(0);
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.unsubscribe?.();
    this.unsubscribe = null;
    this.settleFirst();
  }

  /** Listings done so far and how long the last one took (the report and the bench read these). */
  get stats(): { lists: number; lastListMs: number | null; lastError: string | null } {
    return { lists: this.lists, lastListMs: this.lastListMs, lastError: this.lastError };
  }

  /** The current listing, newest first. */
  get listing(): ArchiveListing {
    return {
      cluster: this.cluster,
      node: this.node,
      dir: this.dir,
      exists: this.exists,
      entries: [...this.entries.values()].sort(newestFirst),
      ...(this.omitted > 0 ? { omitted: this.omitted } : {}),
    };
  }

  /** Waits for the first listing attempt, at most one list timeout (a watcher not started never lists). */
  whenFirstAttempted(): Promise<void> {
    let t: NodeJS.Timeout | undefined;
    const bound = new Promise<void>((resolve) => {
      t = setTimeout(resolve, this.opts.listTimeoutMs);
    });
    return Promise.race([this.firstAttempt, bound]).finally(() => clearTimeout(t));
  }

  /** Whether any listing came back yet, and why not if none did. */
  get readiness(): { observed: boolean; reason: string | null } {
    return { observed: this.observed, reason: this.lastError };
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.tick(), ms);
  }

  private async tick(): Promise<void> {
    this.timer = null;
    if (this.inflight) return; // a slow listing is still running; its end schedules the next
    // While the ssh link is down a list would only fail: keep the last listing, wait for 'up'.
    if (!this.transport.isUp()) {
      // Not settling the first attempt: right after start the link may be seconds from up, and a
      // REST call then waits (bounded) for a real listing rather than answering "not listed yet".
      this.lastError = `the ${this.transport.kind} link to ${this.node} is down`;
      this.schedule(this.opts.intervalMs);
      return;
    }
    const started = performance.now();
    this.inflight = this.observe();
    let obs: Observation;
    try {
      obs = await this.inflight;
    } finally {
      this.inflight = null;
    }
    this.lists++;
    this.lastListMs = performance.now() - started;
    if (!this.stopped) this.apply(obs);
    this.settleFirst();
    this.schedule(this.opts.intervalMs);
  }

  private async observe(): Promise<Observation> {
    try {
      const files = await withTimeout(
        this.transport.list(this.dir),
        this.opts.listTimeoutMs,
        this.dir,
        this.node,
      );
      return { kind: 'listed', ...toArchiveEntries(files, this.opts.maxEntries) };
    } catch (err) {
      if (err instanceof TransportError && err.code === 'not-found') {
        // A local listing also says not-found when a file vanished between readdir and its stat:
        // only a directory that is really gone may empty the listing.
        const st = await this.transport.stat(this.dir).catch(() => undefined);
        if (st === null) return { kind: 'missing' };
        return { kind: 'failed', reason: `${this.dir} on ${this.node} changed while being listed` };
      }
      return { kind: 'failed', reason: err instanceof Error ? err.message : String(err) };
    }
  }

  private apply(obs: Observation): void {
    if (obs.kind === 'failed') {
      // Keep the last listing: a transport hiccup is not a removal.
      this.lastError = obs.reason;
      return;
    }
    this.lastError = null;
    const next = new Map<string, ArchiveEntry>();
    let omitted = 0;
    if (obs.kind === 'listed') {
      for (const e of obs.entries) next.set(e.name, e);
      omitted = obs.omitted;
    }
    const exists = obs.kind === 'listed';
    const { added, removed } = diffListings(this.entries, next);
    const first = !this.observed;
    const changed =
      added.length > 0 || removed.length > 0 || exists !== this.exists || omitted !== this.omitted;
    this.entries = next;
    this.exists = exists;
    this.omitted = omitted;
    this.observed = true;
    // The first observation is news even when empty: a page that asked earlier learns it now.
    if (!changed && !first) return;
    this.publish({
      cluster: this.cluster,
      node: this.node,
      added: added.sort(newestFirst),
      removed,
      exists,
      ...(omitted > 0 ? { omitted } : {}),
    });
  }
}

function withTimeout<T>(p: Promise<T>, ms: number, dir: string, node: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const t = setTimeout(
      () =>
        reject(new TransportError('timeout', node, `listing ${dir} on ${node} took longer than ${ms} ms`)),
      ms,
    );
    p.then(
      (v) => {
        clearTimeout(t);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(t);
        reject(e);
      },
    );
  });
}

/** Why a listing cannot be given for a node: the route turns each into a 404 or 503. */
export type ArchiveLookup =
  | { kind: 'ok'; listing: ArchiveListing }
  | { kind: 'no-cluster' }
  | { kind: 'no-node' }
  | { kind: 'no-archive-dir' }
  | { kind: 'not-yet'; reason: string };

/** One ArchiveWatcher per node that has an archiveDir, whatever the number of viewers. */
export class ArchiveWatchers {
  private readonly watchers = new Map<string, Map<string, ArchiveWatcher>>();
  private readonly nodes = new Map<string, Set<string>>();

  constructor(
    sessions: readonly NodeSession[],
    bus: MonitorBus,
    opts: ArchiveWatcherOptions = DEFAULT_ARCHIVE_WATCHER_OPTIONS,
  ) {
    for (const s of sessions) {
      const names = this.nodes.get(s.cluster) ?? new Set<string>();
      names.add(s.name);
      this.nodes.set(s.cluster, names);
      const dir = s.config.archiveDir;
      if (!dir) continue;
      const byNode = this.watchers.get(s.cluster) ?? new Map<string, ArchiveWatcher>();
      byNode.set(
        s.name,
        new ArchiveWatcher(s.cluster, s.name, dir, s.transport, (ev) => bus.emit('archive', ev), opts),
      );
      this.watchers.set(s.cluster, byNode);
    }
  }

  start(): void {
    for (const w of this.all()) w.start();
  }

  stop(): void {
    for (const w of this.all()) w.stop();
  }

  watcher(cluster: string, node: string): ArchiveWatcher | undefined {
    return this.watchers.get(cluster)?.get(node);
  }

  /** The live listing of a node's archive directory, or why there is none. */
  async listing(cluster: string, node: string): Promise<ArchiveLookup> {
    const names = this.nodes.get(cluster);
    if (!names) return { kind: 'no-cluster' };
    if (!names.has(node)) return { kind: 'no-node' };
    const w = this.watcher(cluster, node);
    if (!w) return { kind: 'no-archive-dir' };
    // Right after start the first listing may still be on its way: wait for it, not "empty".
    await w.whenFirstAttempted();
    const { observed, reason } = w.readiness;
    if (!observed) return { kind: 'not-yet', reason: reason ?? `${w.dir} on ${node} was not listed yet` };
    return { kind: 'ok', listing: w.listing };
  }

  private *all(): Iterable<ArchiveWatcher> {
    for (const byNode of this.watchers.values()) yield* byNode.values();
  }
}
