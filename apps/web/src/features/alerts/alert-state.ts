import type { Alert, AlertList } from '@walboard/shared/alerts';

/** Resolved alerts the page keeps (the server keeps 200; the audit trail keeps all). */
export const KEPT_RESOLVED = 100;

export interface AlertsState {
  cluster: string;
  /** Firing now, newest first. */
  current: Alert[];
  /** Resolved, most recently resolved first. */
  recent: Alert[];
  loaded: boolean;
}

export type AlertsAction =
  | { type: 'cluster'; cluster: string }
  | { type: 'list'; cluster: string; list: AlertList }
  | { type: 'event'; alert: Alert };

export const emptyAlerts = (cluster: string): AlertsState => ({
  cluster,
  current: [],
  recent: [],
  loaded: false,
});

/**
 * The REST list (all clusters one may see) is narrowed to the shown cluster; live events then
 * move an alert from current to recent. An event for another cluster (a late one after the
 * picker changed) is ignored.
 */
export function alertsReducer(state: AlertsState, action: AlertsAction): AlertsState {
  switch (action.type) {
    case 'cluster':
      return action.cluster === state.cluster ? state : emptyAlerts(action.cluster);
    case 'list': {
      if (action.cluster !== state.cluster) return state;
      const mine = (a: Alert) => a.cluster === state.cluster;
      return {
        ...state,
        current: action.list.current.filter(mine),
        recent: action.list.recent.filter(mine).slice(0, KEPT_RESOLVED),
        loaded: true,
      };
    }
    case 'event': {
      const a = action.alert;
      if (a.cluster !== state.cluster) return state;
      const others = state.current.filter((c) => c.id !== a.id);
      if (a.status === 'firing') return { ...state, current: [a, ...others] };
      return {
        ...state,
        current: others,
        recent: [a, ...state.recent.filter((r) => r.id !== a.id)].slice(0, KEPT_RESOLVED),
      };
    }
  }
}
