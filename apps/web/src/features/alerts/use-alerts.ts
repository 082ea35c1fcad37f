import type { Alert, AlertList } from '@walboard/shared/alerts';
import { useEffect, useReducer, useState } from 'react';
import { getJson } from '../../api/get-json.ts';
import type { LiveSocket } from '../live/use-live-socket.ts';
import { type AlertsState, alertsReducer, emptyAlerts } from './alert-state.ts';

/**
 * The cluster's alerts, live: GET /api/alerts (again on every reconnect, since events sent while
 * disconnected are lost), then every `alert:event` of the cluster room.
 */
export function useAlerts(
  socket: LiveSocket | null,
  cluster: string,
): { state: AlertsState; failed: boolean } {
  const [state, dispatch] = useReducer(alertsReducer, cluster, emptyAlerts);
  const [failed, setFailed] = useState(false);

  useEffect(() => {
    dispatch({ type: 'cluster', cluster });
    setFailed(false);
    const aborts = new Set<AbortController>();
    const load = () => {
      const abort = new AbortController();
      aborts.add(abort);
      getJson<AlertList>('/api/alerts', abort.signal)
        .then((list) => {
          setFailed(false);
          dispatch({ type: 'list', cluster, list });
        })
        .catch(() => {
          if (!abort.signal.aborted) setFailed(true);
        })
        .finally(() => aborts.delete(abort));
    };
    const onEvent = (alert: Alert) => dispatch({ type: 'event', alert });
    load();
    socket?.on('alert:event', onEvent);
    socket?.on('connect', load);
    return () => {
      for (const a of aborts) a.abort();
      socket?.off('alert:event', onEvent);
      socket?.off('connect', load);
    };
  }, [socket, cluster]);

  return { state, failed };
}
