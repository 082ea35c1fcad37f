import { useSyncExternalStore } from 'react';
import { useSession } from '../session/session-context.ts';
import { type Route, routeFromHash } from './route.ts';

function subscribe(onChange: () => void): () => void {
  window.addEventListener('hashchange', onChange);
  return () => window.removeEventListener('hashchange', onChange);
}

/**
 * The section named by the URL hash (#/lab, #/users…); links change it, Back/Forward work. With no
 * section named, the embedded lab's own session (signed in by its link) starts on the Lab view.
 */
export function useRoute(): Route {
  const home: Route = useSession().info.autoLogin ? 'lab' : 'overview';
  return useSyncExternalStore(subscribe, () => routeFromHash(window.location.hash, home));
}
