import type { Operation, OperationType } from '@walboard/shared/operations';
import { useCallback, useEffect, useReducer, useState } from 'react';
import { getJson } from '../../api/get-json.ts';
import type { LiveSocket } from '../live/use-live-socket.ts';
import { historyProblem, type ProblemText } from './operation-errors.ts';
import { initialOperationsState, type OperationsState, operationsReducer } from './operation-state.ts';

/** The action the user picked from a node's menu: the dialog shows its form, then its plan. */
export interface PickedAction {
  node: string;
  type: OperationType;
}

export interface OperationsFeed {
  cluster: string;
  state: OperationsState;
  /** Why the history could not be loaded; live events still arrive. */
  problem: ProblemText | null;
  follow(id: string | null): void;
  picked: PickedAction | null;
  pick(action: PickedAction | null): void;
}

export function operationsPath(cluster: string): string {
  return `/api/clusters/${encodeURIComponent(cluster)}/operations`;
}

/**
 * The cluster's operations, live: the recent history from the REST API (again on every reconnect,
 * since events sent while disconnected are lost), then every `operation:event` of the cluster room.
 */
export function useOperations(socket: LiveSocket | null, cluster: string): OperationsFeed {
  const [state, dispatch] = useReducer(operationsReducer, initialOperationsState);
  const [problem, setProblem] = useState<ProblemText | null>(null);
  const [picked, setPicked] = useState<PickedAction | null>(null);

  useEffect(() => {
    dispatch({ type: 'cluster', cluster });
    setProblem(null);
    setPicked(null);
    const aborts = new Set<AbortController>();

    const load = () => {
      const abort = new AbortController();
      aborts.add(abort);
      getJson<Operation[]>(operationsPath(cluster), abort.signal)
        .then((operations) => {
          setProblem(null);
          dispatch({ type: 'history', cluster, operations });
        })
        .catch((err: unknown) => {
          if (!abort.signal.aborted) setProblem(historyProblem(err));
        })
        .finally(() => aborts.delete(abort));
    };
    const onEvent = (operation: Operation) => dispatch({ type: 'event', operation });

    load();
    socket?.on('operation:event', onEvent);
    socket?.on('connect', load);
    return () => {
      for (const a of aborts) a.abort();
      socket?.off('operation:event', onEvent);
      socket?.off('connect', load);
    };
  }, [socket, cluster]);

  const follow = useCallback((id: string | null) => dispatch({ type: 'follow', id }), []);
  return { cluster, state, problem, follow, picked, pick: setPicked };
}
