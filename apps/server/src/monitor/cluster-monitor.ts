import type { ClusterSnapshot, NodeStatus } from '@walboard/shared/status';
import type { NodeSession } from '../nodes/node-session.ts';
import { DEFAULT_POLLER_OPTIONS, StatusPoller, type StatusPollerOptions } from './status-poller.ts';

type Listener = (status: NodeStatus) => void;

/** All pollers of all clusters; the hub listens here and never polls on its own. */
export class ClusterMonitor {
  private readonly pollers = new Map<string, Map<string, StatusPoller>>();
  private readonly listeners = new Set<Listener>();

  constructor(sessions: readonly NodeSession[], opts: StatusPollerOptions = DEFAULT_POLLER_OPTIONS) {
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

  onStatus(cb: Listener): () => void {
    this.listeners.add(cb);
    return () => this.listeners.delete(cb);
  }

  hasCluster(cluster: string): boolean {
    return this.pollers.has(cluster);
  }

  snapshot(cluster: string): ClusterSnapshot | null {
    const byNode = this.pollers.get(cluster);
    if (!byNode) return null;
    return { cluster, nodes: [...byNode.values()].map((p) => p.current) };
  }

  /** Polls done per node so far, keyed "cluster/node". */
  pollCounts(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [c, byNode] of this.pollers) for (const [n, p] of byNode) out[`${c}/${n}`] = p.pollCount;
    return out;
  }

  private fire(status: NodeStatus): void {
    for (const l of this.listeners) l(status);
  }
}
