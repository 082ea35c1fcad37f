import type { LinksEvent } from '@walboard/shared/events';
import type { NodeStatus, ReplicationLink } from '@walboard/shared/status';
import type { LagSample, LagStore } from '../store/lag-store.ts';
import type { MonitorBus } from './monitor-bus.ts';

export interface LagHistoryOptions {
  /** ms since the epoch; tests pass their own clock and call flush() themselves. */
  clock?: () => number;
  /** How often to write; samples are never closer than 1 s whatever this is. */
  intervalMs?: number;
  /** A failed write (disk full, file removed) is reported here; the next second tries again. */
  onError?: (err: Error) => void;
}

interface Peak {
  replayBytes: number | null;
  replaySeconds: number | null;
}

const SECOND = 1000;

/** The name a link's history is kept under: the matched node, else the sender's application_name. */
export function lagSeriesName(link: ReplicationLink): string | null {
  // pg_basebackup holds a WAL sender too ('backup'): it is no standby and has no lag to chart.
  if (link.standby === null && link.state === 'backup') return null;
  return link.standby ?? (link.applicationName || null);
}

function maxOf(a: number | null, b: number | null): number | null {
  if (a === null) return b;
  if (b === null) return a;
  return Math.max(a, b);
}

/**
 * Records every standby's lag into the store: one sample per standby per second (the max seen
 * during that second, so a short spike is not lost), all written in one transaction. It listens
 * to the bus, never to viewers: its cost is the same for zero or a thousand open pages.
 */
export class LagHistoryRecorder {
  private readonly clock: () => number;
  private readonly intervalMs: number;
  /** The links last published per cluster: the producer emits on change, so silence means "the same". */
  private readonly latest = new Map<string, readonly ReplicationLink[]>();
  /** The max per series since the last write, keyed by cluster + NUL + series name. */
  private peaks = new Map<string, Peak>();
  /** Nodes whose last status said they are not reachable, keyed by cluster + NUL + node. */
  private readonly unreachable = new Set<string>();
  private lastWrittenSecond = Number.NaN;
  private lastError: string | null = null;
  private timer: ReturnType<typeof setInterval> | undefined;
  private unsubscribe: (() => void)[] = [];

  constructor(
    private readonly bus: MonitorBus,
    private readonly store: Pick<LagStore, 'write'>,
    private readonly opts: LagHistoryOptions = {},
  ) {
    this.clock = opts.clock ?? Date.now;
    this.intervalMs = opts.intervalMs ?? SECOND;
  }

  /** Listens to the bus; with `timer` (the default) also writes every intervalMs. */
  start({ timer = true }: { timer?: boolean } = {}): void {
    if (this.unsubscribe.length > 0) return;
    this.unsubscribe = [
      this.bus.on('links', (e) => this.onLinks(e)),
      this.bus.on('status', (s) => this.onStatus(s)),
    ];
    if (timer) {
      this.timer = setInterval(() => this.flush(), this.intervalMs);
      this.timer.unref();
    }
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    for (const off of this.unsubscribe) off();
    this.unsubscribe = [];
  }

  /**
   * Writes one sample per known standby for the current second, and prunes aged rows, in one
   * transaction. A second call within the same second writes nothing. Returns the samples written.
   */
  flush(): LagSample[] {
    const now = this.clock();
    const second = Math.floor(now / SECOND) * SECOND;
    // Equality, not <=: after the system clock steps back, writing must go on (buckets take the max).
    if (second === this.lastWrittenSecond) return [];
    this.lastWrittenSecond = second;

    const samples = new Map<string, LagSample>();
    for (const [cluster, links] of this.latest) {
      for (const link of links) {
        const standby = lagSeriesName(link);
        if (standby === null) continue;
        const key = `${cluster}\0${standby}`;
        // A primary walboard cannot reach says nothing about lag now: record "unknown" (a gap
        // on the chart) rather than repeating its last value as if it were still true.
        const known = !this.unreachable.has(`${cluster}\0${link.primary}`);
        const peak = this.peaks.get(key);
        const bytes = known ? maxOf(peak?.replayBytes ?? null, link.lag.replayBytes) : null;
        const seconds = known ? maxOf(peak?.replaySeconds ?? null, link.lag.replaySeconds) : null;
        const held = samples.get(key);
        samples.set(key, {
          cluster,
          standby,
          t: second,
          replayBytes: maxOf(held?.replayBytes ?? null, bytes),
          replaySeconds: maxOf(held?.replaySeconds ?? null, seconds),
        });
      }
    }
    this.peaks = new Map();
    const out = [...samples.values()];
    try {
      this.store.write(out, now);
      this.lastError = null;
    } catch (err) {
      // Reported once per distinct failure, not every second.
      const e = err instanceof Error ? err : new Error(String(err));
      if (e.message !== this.lastError) this.opts.onError?.(e);
      this.lastError = e.message;
    }
    return out;
  }

  private onLinks(event: LinksEvent): void {
    this.latest.set(event.cluster, event.links);
    for (const link of event.links) {
      const standby = lagSeriesName(link);
      if (standby === null) continue;
      const key = `${event.cluster}\0${standby}`;
      const peak = this.peaks.get(key);
      this.peaks.set(key, {
        replayBytes: maxOf(peak?.replayBytes ?? null, link.lag.replayBytes),
        replaySeconds: maxOf(peak?.replaySeconds ?? null, link.lag.replaySeconds),
      });
    }
  }

  private onStatus(status: NodeStatus): void {
    const key = `${status.cluster}\0${status.node}`;
    const reachable = status.reachability.pg === 'up' && status.reachability.ssh !== 'down';
    if (reachable) this.unreachable.delete(key);
    else this.unreachable.add(key);
  }
}
