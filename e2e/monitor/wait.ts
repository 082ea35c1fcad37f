// Waiting on the controller's own events (no fixed sleeps): the monitor bus says when a node's
// status or a cluster's links change.
import type { ClusterMonitor } from '@walboard/server/src/monitor/cluster-monitor.ts';
import type { NodeStatus, ReplicationLink } from '@walboard/shared/status';

/** Resolves with the first status of `node` (current one included) that satisfies `pred`. */
export function waitForStatus(
  monitor: ClusterMonitor,
  cluster: string,
  node: string,
  pred: (s: NodeStatus) => boolean,
  timeoutMs: number,
  what = 'the expected status',
): Promise<NodeStatus> {
  return new Promise((resolve, reject) => {
    const current = monitor.snapshot(cluster)?.nodes.find((n) => n.node === node);
    if (current && pred(current)) return resolve(current);
    let last = current;
    const off = monitor.bus.on('status', (s) => {
      if (s.cluster !== cluster || s.node !== node) return;
      last = s;
      if (!pred(s)) return;
      clearTimeout(timer);
      off();
      resolve(s);
    });
    const timer = setTimeout(() => {
      off();
      reject(new Error(`${node}: no ${what} within ${timeoutMs} ms; last status: ${JSON.stringify(last)}`));
    }, timeoutMs);
  });
}

/** Resolves with the first link set of `cluster` (current one included) that satisfies `pred`. */
export function waitForLinks<T>(
  monitor: ClusterMonitor,
  cluster: string,
  pick: (links: ReplicationLink[]) => T | undefined,
  timeoutMs: number,
  what = 'the expected links',
): Promise<T> {
  return new Promise((resolve, reject) => {
    const now = pick(monitor.links(cluster));
    if (now !== undefined) return resolve(now);
    const off = monitor.bus.on('links', (ev) => {
      if (ev.cluster !== cluster) return;
      const v = pick(ev.links);
      if (v === undefined) return;
      clearTimeout(timer);
      off();
      resolve(v);
    });
    const timer = setTimeout(() => {
      off();
      reject(
        new Error(
          `${cluster}: no ${what} within ${timeoutMs} ms; links: ${JSON.stringify(monitor.links(cluster))}`,
        ),
      );
    }, timeoutMs);
  });
}

/** The link whose standby is `standby`. */
export const linkOf = (links: readonly ReplicationLink[], standby: string) =>
  links.find((l) => l.standby === standby);
