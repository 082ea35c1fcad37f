import type { ClusterSummary } from '@walboard/shared';
import { useCallback, useEffect, useState } from 'react';
import { getJson, RequestError, type RequestProblem } from '../../api/get-json.ts';

export type ClustersState =
  | { status: 'loading' }
  | { status: 'ready'; clusters: readonly ClusterSummary[] }
  | { status: 'error'; problem: RequestProblem };

/**
 * The configured clusters (GET /api/clusters). Fetched again whenever `refreshKey` changes —
 * the caller bumps it on socket reconnect, since the controller may have restarted with a new
 * walboard.yaml. A list already shown stays while refreshing, and if a refresh fails.
 */
export function useClusters(refreshKey: number): { clusters: ClustersState; retry: () => void } {
  const [clusters, setClusters] = useState<ClustersState>({ status: 'loading' });
  const [attempt, setAttempt] = useState(0);
  const retry = useCallback(() => setAttempt((n) => n + 1), []);

  // biome-ignore lint/correctness/useExhaustiveDependencies: refreshKey and attempt are refetch triggers
  useEffect(() => {
    const abort = new AbortController();
    setClusters((prev) => (prev.status === 'error' ? { status: 'loading' } : prev));
    getJson<ClusterSummary[]>('/api/clusters', abort.signal).then(
      (list) => setClusters({ status: 'ready', clusters: list }),
      (err: unknown) => {
        if (abort.signal.aborted) return;
        const problem: RequestProblem = err instanceof RequestError ? err.problem : { kind: 'unreachable' };
        setClusters((prev) => (prev.status === 'ready' ? prev : { status: 'error', problem }));
      },
    );
    return () => abort.abort();
  }, [refreshKey, attempt]);

  return { clusters, retry };
}
