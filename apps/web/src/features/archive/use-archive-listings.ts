import type { ArchiveChangedEvent, ArchiveListing, ClusterSnapshot } from '@walboard/shared';
import { useEffect, useReducer, useRef } from 'react';
import { getJson, RequestError } from '../../api/get-json.ts';
import type { LiveSocket } from '../live/use-live-socket.ts';
import {
  type ArchiveProblem,
  type ArchiveState,
  archiveReducer,
  initialArchiveState,
} from './archive-state.ts';

const NO_ARCHIVE_DIR = 'WB_ERR_NO_ARCHIVE_DIR';

function problemOf(err: unknown): ArchiveProblem {
  if (err instanceof RequestError) {
    const p = err.problem;
    if (p.kind === 'server') return { code: p.code, message: p.message };
    return { code: null, message: err.message };
  }
  return { code: null, message: err instanceof Error ? err.message : String(err) };
}

const archivePath = (cluster: string, node: string) =>
  `/api/clusters/${encodeURIComponent(cluster)}/nodes/${encodeURIComponent(node)}/archive`;

/**
 * Follows the archive directory of every node of a cluster: one REST fetch per node when the
 * panels open and after each (re)subscribe (every `cluster:snapshot`), then `archive:changed`
 * events on the socket the page already has. No poll: the controller's one watcher per node pushes.
 */
export function useArchiveListings(
  socket: LiveSocket | null,
  cluster: string,
  nodes: readonly string[],
): ArchiveState {
  const [state, dispatch] = useReducer(archiveReducer, initialArchiveState);
  const stateRef = useRef(state);
  stateRef.current = state;
  const nodesRef = useRef(nodes);
  nodesRef.current = nodes;
  const nodesKey = nodes.join('\n');

  // Per cluster: the fetch machinery and the socket listeners.
  const fetchRef = useRef<(node: string) => void>(() => {});
  useEffect(() => {
    dispatch({ type: 'select', cluster });
    const inflight = new Map<string, AbortController>();
    let active = true;

    const fetchNode = (node: string) => {
      inflight.get(node)?.abort();
      const ctl = new AbortController();
      inflight.set(node, ctl);
      // Marks the start: events from here on are kept and replayed on top of the answer.
      dispatch({ type: 'fetch', cluster, node });
      getJson<ArchiveListing>(archivePath(cluster, node), ctl.signal).then(
        (listing) => {
          if (active && !ctl.signal.aborted) dispatch({ type: 'fetched', listing });
        },
        (err: unknown) => {
          if (!active || ctl.signal.aborted) return;
          const problem = problemOf(err);
          if (problem.code === NO_ARCHIVE_DIR) dispatch({ type: 'no-archive', cluster, node });
          else dispatch({ type: 'failed', cluster, node, problem });
        },
      );
    };
    fetchRef.current = fetchNode;

    const onChanged = (event: ArchiveChangedEvent) => {
      if (event.cluster !== cluster) return;
      // A listing the page never got cannot take a diff: the watcher is answering again, ask it.
      if (stateRef.current.nodes.get(event.node)?.status === 'error') fetchNode(event.node);
      else dispatch({ type: 'changed', event });
    };
    // A snapshot follows every (re)subscribe: events missed while away are only in a fresh listing.
    const onSnapshot = (snapshot: ClusterSnapshot) => {
      if (snapshot.cluster !== cluster) return;
      for (const node of nodesRef.current) {
        if (stateRef.current.nodes.get(node)?.status !== 'none') fetchNode(node);
      }
    };
    socket?.on('archive:changed', onChanged);
    socket?.on('cluster:snapshot', onSnapshot);
    return () => {
      active = false;
      fetchRef.current = () => {};
      for (const ctl of inflight.values()) ctl.abort();
      socket?.off('archive:changed', onChanged);
      socket?.off('cluster:snapshot', onSnapshot);
    };
  }, [socket, cluster]);

  // When the panels open, and for nodes that join later: one fetch each.
  // biome-ignore lint/correctness/useExhaustiveDependencies: nodesKey stands for `nodes` (a new array every render).
  useEffect(() => {
    // The state may still be the previous cluster's (the 'select' above is not rendered yet).
    const held = stateRef.current.cluster === cluster ? stateRef.current.nodes : new Map();
    for (const node of nodesRef.current) {
      if (!held.has(node)) fetchRef.current(node);
    }
  }, [socket, cluster, nodesKey]);

  return state.cluster === cluster ? state : { cluster, nodes: new Map() };
}
