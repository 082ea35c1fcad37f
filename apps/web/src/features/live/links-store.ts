import type { ReplicationLink } from '@walboard/shared';
import { useSyncExternalStore } from 'react';

/**
 * The followed cluster's replication links, for components deep in the tree (a node card shows its
 * own lag) without threading a prop through every page that renders cards. Written only by
 * useClusterFeed, the page's single feed; read with useClusterLinks.
 */
let current: { cluster: string | null; links: readonly ReplicationLink[] } = { cluster: null, links: [] };
const listeners = new Set<() => void>();

export function publishLinks(cluster: string | null, links: readonly ReplicationLink[]): void {
  if (current.cluster === cluster && current.links === links) return;
  current = { cluster, links };
  for (const l of listeners) l();
}

function subscribe(cb: () => void): () => void {
  listeners.add(cb);
  return () => listeners.delete(cb);
}

const none: readonly ReplicationLink[] = [];

/** The links of `cluster` as last received (empty for any other cluster). */
export function useClusterLinks(cluster: string): readonly ReplicationLink[] {
  return useSyncExternalStore(
    subscribe,
    () => (current.cluster === cluster ? current.links : none),
    () => none,
  );
}
