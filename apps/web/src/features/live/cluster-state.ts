import type { ClusterSnapshot, LinksEvent, NodeStatus, ReplicationLink } from '@walboard/shared';

/** What the page knows about the cluster it follows. */
export interface ClusterLiveState {
  /** The cluster the page follows; events about any other cluster are ignored. */
  cluster: string | null;
  /** False until the first snapshot arrives, so "waiting" is never shown as "no nodes". */
  loaded: boolean;
  /**
   * Keyed by node name. A Map rather than an object: node names are user-chosen and
   * "__proto__" is a valid one; insertion order is the snapshot's order and survives updates.
   */
  nodes: ReadonlyMap<string, NodeStatus>;
  /** Primary → standby edges with their lag, from the snapshot, then each 'cluster:links' event. */
  links: readonly ReplicationLink[];
}

export type ClusterLiveAction =
  | { type: 'select'; cluster: string | null }
  | { type: 'snapshot'; snapshot: ClusterSnapshot }
  | { type: 'status'; status: NodeStatus }
  | { type: 'links'; event: LinksEvent };

export const initialClusterLiveState: ClusterLiveState = {
  cluster: null,
  loaded: false,
  nodes: new Map(),
  links: [],
};

// An observation must never be replaced by an older one (e.g. a snapshot built just before a
// status it crosses on the wire). Unparsable times are not compared: the newcomer wins.
function isOlder(candidate: NodeStatus, held: NodeStatus | undefined): boolean {
  if (!held) return false;
  const a = Date.parse(candidate.observedAt);
  const b = Date.parse(held.observedAt);
  return !Number.isNaN(a) && !Number.isNaN(b) && a < b;
}

/** Pure reducer: the snapshot replaces the node set, a status replaces one node's entry. */
export function clusterLiveReducer(state: ClusterLiveState, action: ClusterLiveAction): ClusterLiveState {
  switch (action.type) {
    case 'select':
      if (action.cluster === state.cluster) return state;
      return { cluster: action.cluster, loaded: false, nodes: new Map(), links: [] };

    case 'snapshot': {
      const { snapshot } = action;
      if (snapshot.cluster !== state.cluster) return state;
      const nodes = new Map<string, NodeStatus>();
      for (const status of snapshot.nodes) {
        const held = state.nodes.get(status.node);
        nodes.set(status.node, held && isOlder(status, held) ? held : status);
      }
      return { cluster: state.cluster, loaded: true, nodes, links: snapshot.links };
    }

    case 'status': {
      const { status } = action;
      if (status.cluster !== state.cluster) return state;
      if (isOlder(status, state.nodes.get(status.node))) return state;
      const nodes = new Map(state.nodes);
      nodes.set(status.node, status);
      return { ...state, nodes };
    }

    case 'links':
      // Links are derived from all nodes at once: the latest set replaces the previous one.
      if (action.event.cluster !== state.cluster) return state;
      return { ...state, links: action.event.links };
  }
}
