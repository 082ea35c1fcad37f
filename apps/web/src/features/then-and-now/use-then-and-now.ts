import type { ThenAndNow } from '@walboard/shared/guide';
import { useEffect, useState } from 'react';
import { getJson } from '../../api/get-json.ts';
import { thenAndNowPath } from './then-and-now-view.ts';

export type ThenAndNowState =
  | { status: 'loading' }
  | { status: 'ready'; table: ThenAndNow }
  | { status: 'error'; message: string };

/**
 * GET the "then and now" table for one node (its live version). A change of cluster, node or pair
 * aborts the request in flight, so an older answer never replaces a newer one.
 */
export function useThenAndNow(
  cluster: string,
  node: string,
  pair?: { primary: string; standby: string },
): ThenAndNowState {
  const path = thenAndNowPath(cluster, node, pair);
  const [held, setHeld] = useState<{ path: string; state: ThenAndNowState }>({
    path: '',
    state: { status: 'loading' },
  });
  useEffect(() => {
    const ctl = new AbortController();
    getJson<ThenAndNow>(path, ctl.signal).then(
      (table) => {
        if (!ctl.signal.aborted) setHeld({ path, state: { status: 'ready', table } });
      },
      (err: unknown) => {
        if (ctl.signal.aborted) return;
        const message = err instanceof Error ? err.message : String(err);
        setHeld({ path, state: { status: 'error', message } });
      },
    );
    return () => ctl.abort();
  }, [path]);
  return held.path === path ? held.state : { status: 'loading' };
}
