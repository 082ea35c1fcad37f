import type { LogLine } from '@walboard/shared/status';
import type { NodeSession } from '../nodes/node-session.ts';
import { LogTail, type LogTailOptions } from './log-tail.ts';
import type { LogHistory, MonitorBus } from './monitor-bus.ts';

const key = (cluster: string, node: string) => `${cluster}/${node}`;

/**
 * One LogTail per node that has `postgres.logFile`, publishing on the bus as 'logLines'; also the
 * LogHistory the hub and the REST route read recent lines from.
 */
export class LogTails implements LogHistory {
  private readonly tails = new Map<string, LogTail>();

  constructor(sessions: readonly NodeSession[], bus: MonitorBus, opts: Partial<LogTailOptions> = {}) {
    for (const s of sessions) {
      const file = s.config.postgres.logFile;
      if (!file) continue;
      const tail = new LogTail(s.cluster, s.name, s.transport, file, (ev) => bus.emit('logLines', ev), opts);
      this.tails.set(key(s.cluster, s.name), tail);
    }
  }

  start(): void {
    for (const t of this.tails.values()) t.start();
  }

  async stop(): Promise<void> {
    await Promise.all([...this.tails.values()].map((t) => t.stop()));
  }

  /** The tail of a node, or undefined when it has no logFile configured (or does not exist). */
  tail(cluster: string, node: string): LogTail | undefined {
    return this.tails.get(key(cluster, node));
  }

  recent(cluster: string, node: string, max?: number): { lines: LogLine[]; dropped: number } | null {
    return this.tails.get(key(cluster, node))?.recent(max) ?? null;
  }
}
