import type { Operation, OperationType } from '@walboard/shared/operations';
import { useCallback, useEffect, useReducer, useState } from 'react';
import { getJson } from '../../api/get-json.ts';
import type { LiveSocket } from '../live/use-live-socket.ts';
import { historyProblem, type ProblemText } from './operation-errors.ts';
import {
  KEPT_OPERATIONS,
  type OperationsState,
  operationsReducer,
  operationsStateKeeping,
} from './operation-state.ts';

/** The action the user picked from a node's menu: the dialog shows its form, then its plan. */
export interface PickedAction {
  node: string;
  type: OperationType;
  /** "Plan again": the params of the operation it repeats, to fill the form with. */
  params?: Readonly<Record<string, unknown>>;
}

export interface OperationsFeed {
  cluster: string;
  state: OperationsState;
  /** Why the history could not be loaded; live events still arrive. */
  problem: ProblemText | null;
  follow(id: string | null): void;
  /** An operation the page got from a request (a cancel's answer) rather than from the socket. */
  report(operation: Operation): void;
  picked: PickedAction | null;
  pick(action: PickedAction | null): void;
}

export function operationsPath(cluster: string): string {
  return `/api/clusters/${encodeURIComponent(cluster)}/operations`;
}

export function cancelPath(id: string): string {
  return `/api/operations/${encodeURIComponent(id)}/cancel`;
}

/**
 * The cluster's operations, live: the `keep` newest from the REST API (again on every reconnect,
 * since events sent while disconnected are lost), then every `operation:event` of the cluster room.
 */
export function useOperations(
  socket: LiveSocket | null,
  cluster: string,
  keep: number = KEPT_OPERATIONS,
): OperationsFeed {
  const [state, dispatch] = useReducer(operationsReducer, keep, operationsStateKeeping);
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
      getJson<Operation[]>(`${operationsPath(cluster)}?limit=${keep}`, abort.signal)
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
  }, [socket, cluster, keep]);

  const follow = useCallback((id: string | null) => dispatch({ type: 'follow', id }), []);
  const report = useCallback((operation: Operation) => dispatch({ type: 'event', operation }), []);
  return { cluster, state, problem, follow, report, picked, pick: setPicked };
}
