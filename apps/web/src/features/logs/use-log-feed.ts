import type { LogLinesEvent } from '@walboard/shared';
import { type Dispatch, useEffect, useReducer, useState } from 'react';
import type { LiveSocket } from '../live/use-live-socket.ts';
import { initialLogState, type LogAction, type LogViewState, logReducer } from './log-state.ts';

export type LogSubscribeProblem = { kind: 'rejected'; message: string } | { kind: 'timeout' };

export interface LogFeed {
  state: LogViewState;
  dispatch: Dispatch<LogAction>;
  problem: LogSubscribeProblem | null;
}

const ackTimeoutMs = 5000;
const resubscribeMs = 2000;

/**
 * Follows one node's log: `log:subscribe` on every (re)connect — the server answers with its
 * recent lines, then batches — and folds `log:lines` into the log state.
 */
export function useLogFeed(socket: LiveSocket | null, cluster: string | null, node: string | null): LogFeed {
  const [state, dispatch] = useReducer(logReducer, initialLogState);
  const [problem, setProblem] = useState<LogSubscribeProblem | null>(null);

  useEffect(() => {
    dispatch({ type: 'select', cluster, node });
    setProblem(null);
    if (!socket || cluster === null || node === null) return;

    // Acks and timers of a previous node must not touch the state of the current one.
    let active = true;
    let retry: ReturnType<typeof setTimeout> | undefined;
    const subscribe = () => {
      clearTimeout(retry);
      if (!active || !socket.connected) return;
      socket.timeout(ackTimeoutMs).emit('log:subscribe', { cluster, node }, (err, ack) => {
        if (!active) return;
        if (err) {
          setProblem({ kind: 'timeout' });
          retry = setTimeout(subscribe, resubscribeMs);
        } else if (ack.ok) {
          setProblem(null);
        } else {
          setProblem({ kind: 'rejected', message: ack.message });
        }
      });
    };
    const onLines = (event: LogLinesEvent) => dispatch({ type: 'lines', event });

    socket.on('log:lines', onLines);
    socket.on('connect', subscribe);
    subscribe();
    return () => {
      active = false;
      clearTimeout(retry);
      socket.off('connect', subscribe);
      socket.off('log:lines', onLines);
      if (socket.connected) socket.emit('log:unsubscribe', { cluster, node });
    };
  }, [socket, cluster, node]);

  return { state, dispatch, problem };
}
