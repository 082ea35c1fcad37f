import type { ClusterSnapshot, NodeStatus } from '@walboard/shared/status';
import type { NodeSession } from '../nodes/node-session.ts';
import { MonitorBus } from './monitor-bus.ts';
import { DEFAULT_POLLER_OPTIONS, StatusPoller, type StatusPollerOptions } from './status-poller.ts';

/** All pollers of all clusters; the hub listens here and never polls on its own. */
export class ClusterMonitor {
  private readonly pollers = new Map<string, Map<string, StatusPoller>>();
  constructor(
    sessions: readonly NodeSession[],
    opts: StatusPollerOptions = DEFAULT_POLLER_OPTIONS,
    readonly bus: MonitorBus = new MonitorBus(),
  ) {
    for (const s of sessions) {
      let byNode = this.pollers.get(s.cluster);
      if (!byNode) {
        byNode = new Map();
        this.pollers.set(s.cluster, byNode);
      }
      byNode.set(s.name, new StatusPoller(s, (st) => this.fire(st), opts));
    }
  }

  start(): void {
    for (const byNode of this.pollers.values()) for (const p of byNode.values()) p.start();
  }

  stop(): void {
    for (const byNode of this.pollers.values()) for (const p of byNode.values()) p.stop();
  }

  onStatus(cb: (status: NodeStatus) => void): () => void {
    return this.bus.on('status', cb);
  }

  hasCluster(cluster: string): boolean {
    return this.pollers.has(cluster);
  }

  snapshot(cluster: string): ClusterSnapshot | null {
    const byNode = this.pollers.get(cluster);
    if (!byNode) return null;
    return { cluster, nodes: [...byNode.values()].map((p) => p.current), links: [] };
  }

  /** Polls done per node so far, keyed "cluster/node". */
  pollCounts(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [c, byNode] of this.pollers) for (const [n, p] of byNode) out[`${c}/${n}`] = p.pollCount;
    return out;
  }

  private fire(status: NodeStatus): void {
    this.bus.emit('status', status);
  }
}
