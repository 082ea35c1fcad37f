import type { ClusterSnapshot, LinksEvent, NodeStatus } from '@walboard/shared';
import { useEffect, useReducer, useState } from 'react';
import { type ClusterLiveState, clusterLiveReducer, initialClusterLiveState } from './cluster-state.ts';
import { publishLinks } from './links-store.ts';
import type { LiveSocket } from './use-live-socket.ts';

export type SubscribeProblem = { kind: 'rejected'; error: string; message: string } | { kind: 'timeout' };

export interface ClusterFeed {
  state: ClusterLiveState;
  problem: SubscribeProblem | null;
}

const ackTimeoutMs = 5000;
const resubscribeMs = 2000;

/**
 * Follows one cluster over the socket: subscribes on every (re)connect — the server answers
 * with a fresh snapshot — and folds `cluster:snapshot` / `node:status` into state.
 */
export function useClusterFeed(socket: LiveSocket | null, cluster: string | null): ClusterFeed {
  const [state, dispatch] = useReducer(clusterLiveReducer, initialClusterLiveState);
  const [problem, setProblem] = useState<SubscribeProblem | null>(null);

  useEffect(() => {
    dispatch({ type: 'select', cluster });
    setProblem(null);
    if (!socket || cluster === null) return;

    // Acks and timers of a previous cluster must not touch the state of the current one.
    let active = true;
    let retry: ReturnType<typeof setTimeout> | undefined;

    const subscribe = () => {
      clearTimeout(retry);
      // While disconnected socket.io would buffer the emit; the 'connect' handler covers that case.
      if (!active || !socket.connected) return;
      socket.timeout(ackTimeoutMs).emit('subscribe', { cluster }, (err, ack) => {
        if (!active) return;
        if (err) {
          setProblem({ kind: 'timeout' });
          retry = setTimeout(subscribe, resubscribeMs);
        } else if (ack.ok) {
          setProblem(null);
        } else {
          setProblem({ kind: 'rejected', error: ack.error, message: ack.message });
        }
      });
    };
    const onSnapshot = (snapshot: ClusterSnapshot) => dispatch({ type: 'snapshot', snapshot });
    const onStatus = (status: NodeStatus) => dispatch({ type: 'status', status });
    const onLinks = (event: LinksEvent) => dispatch({ type: 'links', event });

    socket.on('cluster:snapshot', onSnapshot);
    socket.on('node:status', onStatus);
    socket.on('cluster:links', onLinks);
    socket.on('connect', subscribe);
    subscribe();

    return () => {
      active = false;
      clearTimeout(retry);
      socket.off('connect', subscribe);
      socket.off('cluster:snapshot', onSnapshot);
      socket.off('node:status', onStatus);
      socket.off('cluster:links', onLinks);
      if (socket.connected) socket.emit('unsubscribe', { cluster });
    };
  }, [socket, cluster]);

  // Node cards read the links through a small store (see links-store.ts) rather than props.
  useEffect(() => publishLinks(state.cluster, state.links), [state.cluster, state.links]);

  // Between a cluster change and the effect above, the state still describes the old cluster.
  const current = state.cluster === cluster ? state : { cluster, loaded: false, nodes: new Map(), links: [] };
  return { state: current, problem };
}
