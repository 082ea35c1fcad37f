import type { ArchiveChangedEvent, LinksEvent, LogLinesEvent } from '@walboard/shared/events';
import type { LogLine, NodeStatus } from '@walboard/shared/status';

/** What watchers publish; the hub forwards each kind to the right socket.io room. */
export interface MonitorEvents {
  status: NodeStatus;
  links: LinksEvent;
  archive: ArchiveChangedEvent;
  /** `dropped` here is the watcher's own drop count (bounded buffers), not per viewer. */
  logLines: LogLinesEvent;
}

type Listener<K extends keyof MonitorEvents> = (event: MonitorEvents[K]) => void;

/** A small typed event bus: monitors never import the hub, the hub never polls. */
export class MonitorBus {
  private readonly listeners: { [K in keyof MonitorEvents]: Set<Listener<K>> } = {
    status: new Set(),
    links: new Set(),
    archive: new Set(),
    logLines: new Set(),
  };

  on<K extends keyof MonitorEvents>(kind: K, cb: Listener<K>): () => void {
    this.listeners[kind].add(cb);
    return () => this.listeners[kind].delete(cb);
  }

  emit<K extends keyof MonitorEvents>(kind: K, event: MonitorEvents[K]): void {
    for (const cb of this.listeners[kind]) cb(event);
  }
}

/** The recent lines of a node's log (ring buffer), sent to a viewer when it starts following. */
export interface LogHistory {
  recent(cluster: string, node: string): { lines: LogLine[]; dropped: number } | null;
}
