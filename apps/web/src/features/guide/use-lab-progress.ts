import type { LabProgress } from '@walboard/shared/guide';
import { useCallback, useEffect, useState } from 'react';
import { getJson } from '../../api/get-json.ts';
import type { LiveSocket } from '../live/use-live-socket.ts';

export function labPath(cluster: string): string {
  return `/api/clusters/${encodeURIComponent(cluster)}/lab`;
}

export interface LabProgressFeed {
  progress: LabProgress | null;
  /** Why the progress could not be loaded (the server's words). */
  problem: string | null;
  /** A progress the page got as a request's answer (a Check, a new pair). */
  report(progress: LabProgress): void;
}

/**
 * The cluster's lab progress, shared by everyone watching: fetched (again on each reconnect, since
 * events sent while disconnected are lost), then every `lab:progress` of the cluster's room.
 */
export function useLabProgress(socket: LiveSocket | null, cluster: string): LabProgressFeed {
  const [progress, setProgress] = useState<LabProgress | null>(null);
  const [problem, setProblem] = useState<string | null>(null);

  useEffect(() => {
    setProgress(null);
    setProblem(null);
    const abort = new AbortController();
    const load = () => {
      getJson<LabProgress>(labPath(cluster), abort.signal)
        .then((p) => {
          setProblem(null);
          setProgress(p);
        })
        .catch((err: unknown) => {
          if (!abort.signal.aborted) setProblem(err instanceof Error ? err.message : String(err));
        });
    };
    const onProgress = (p: LabProgress) => {
      if (p.cluster === cluster) setProgress(p);
    };
    load();
    socket?.on('lab:progress', onProgress);
    socket?.on('connect', load);
    return () => {
      abort.abort();
      socket?.off('lab:progress', onProgress);
      socket?.off('connect', load);
    };
  }, [socket, cluster]);

  const report = useCallback((p: LabProgress) => setProgress(p), []);
  return { progress, problem, report };
}
