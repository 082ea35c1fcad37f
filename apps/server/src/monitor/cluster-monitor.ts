import type { ClusterSnapshot, NodeStatus, ReplicationLink } from '@walboard/shared/status';
import type { NodeSession } from '../nodes/node-session.ts';
import { deriveLinks, type LinkNode } from './links.ts';
import { MonitorBus } from './monitor-bus.ts';
import { DEFAULT_POLLER_OPTIONS, StatusPoller, type StatusPollerOptions } from './status-poller.ts';

/** At most this many 'links' events per second per cluster (design §8: ≤ 10 emits/s). */
const LINKS_MIN_INTERVAL_MS = 100;

interface ClusterEntry {
  pollers: Map<string, { poller: StatusPoller; session: NodeSession }>;
  links: ReplicationLink[];
  /** JSON of the links last emitted, to emit only changes. */
  emittedJson: string;
  lastEmitAt: number;
  timer: NodeJS.Timeout | null;
}

/** All pollers of all clusters; the hub listens here and never polls on its own. */
export class ClusterMonitor {
  private readonly clusters = new Map<string, ClusterEntry>();
  constructor(
    sessions: readonly NodeSession[],
    opts: StatusPollerOptions = DEFAULT_POLLER_OPTIONS,
    readonly bus: MonitorBus = new MonitorBus(),
  ) {
    for (const s of sessions) {
      let entry = this.clusters.get(s.cluster);
      if (!entry) {
        entry = { pollers: new Map(), links: [], emittedJson: '[]', lastEmitAt: 0, timer: null };
        this.clusters.set(s.cluster, entry);
      }
      entry.pollers.set(s.name, { poller: new StatusPoller(s, (st) => this.fire(st), opts), session: s });
    }
  }

  start(): void {
    for (const c of this.clusters.values()) for (const { poller } of c.pollers.values()) poller.start();
  }

  stop(): void {
    for (const c of this.clusters.values()) {
      for (const { poller } of c.pollers.values()) poller.stop();
      if (c.timer) clearTimeout(c.timer);
      c.timer = null;
    }
  }

  onStatus(cb: (status: NodeStatus) => void): () => void {
    return this.bus.on('status', cb);
  }

  hasCluster(cluster: string): boolean {
    return this.clusters.has(cluster);
  }

  snapshot(cluster: string): ClusterSnapshot | null {
    const c = this.clusters.get(cluster);
    if (!c) return null;
    return {
      cluster,
      nodes: [...c.pollers.values()].map(({ poller }) => poller.current),
      links: c.links,
    };
  }

  /** The latest replication links of a cluster (primary → standby with lag). */
  links(cluster: string): ReplicationLink[] {
    return this.clusters.get(cluster)?.links ?? [];
  }

  /** Polls done per node so far, keyed "cluster/node". */
  pollCounts(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [name, c] of this.clusters) {
      for (const [n, { poller }] of c.pollers) out[`${name}/${n}`] = poller.pollCount;
    }
    return out;
  }

  /** The poller of one node (tests and diagnostics read its counters). */
  poller(cluster: string, node: string): StatusPoller | null {
    return this.clusters.get(cluster)?.pollers.get(node)?.poller ?? null;
  }

  private fire(status: NodeStatus): void {
    this.bus.emit('status', status);
    const c = this.clusters.get(status.cluster);
    if (c) this.updateLinks(status.cluster, c);
  }

  private updateLinks(cluster: string, c: ClusterEntry): void {
    const nodes: LinkNode[] = [...c.pollers.values()].map(({ poller, session }) => ({
      status: poller.current,
      host: session.host,
      transport: session.config.transport,
      pgPort: session.config.postgres.port,
      restoreCommandSet: poller.restoreCommandSet,
      walTimeline: poller.walTimeline,
    }));
    c.links = deriveLinks(nodes, c.links);
    this.scheduleLinksEmit(cluster, c);
  }

  /** Emits the links when they changed, at most every LINKS_MIN_INTERVAL_MS (the last state wins). */
  private scheduleLinksEmit(cluster: string, c: ClusterEntry): void {
    if (c.timer) return;
    const wait = Math.max(0, c.lastEmitAt + LINKS_MIN_INTERVAL_MS - Date.now());
    const emitNow = () => {
      c.timer = null;
      const json = JSON.stringify(c.links);
      if (json === c.emittedJson) return;
      c.emittedJson = json;
      c.lastEmitAt = Date.now();
      this.bus.emit('links', { cluster, links: c.links });
    };
    if (wait === 0) emitNow();
    else c.timer = setTimeout(emitNow, wait);
  }
}
