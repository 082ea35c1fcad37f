import type { ClusterSummary } from '@walboard/shared';
import { useCallback, useState } from 'react';

const param = 'cluster';

function fromUrl(): string | null {
  return new URLSearchParams(window.location.search).get(param);
}

/**
 * The cluster on screen: the one named in ?cluster= if it exists, else the first configured one.
 * Kept in the URL so a DBA can bookmark or share the view of one cluster.
 */
export function useSelectedCluster(
  clusters: readonly ClusterSummary[],
): [selected: string | null, select: (name: string) => void] {
  const [wanted, setWanted] = useState<string | null>(fromUrl);

  const select = useCallback((name: string) => {
    setWanted(name);
    const url = new URL(window.location.href);
    url.searchParams.set(param, name);
    window.history.replaceState(window.history.state, '', url);
  }, []);

  const selected = clusters.some((c) => c.name === wanted) ? wanted : (clusters[0]?.name ?? null);
  return [selected, select];
}
