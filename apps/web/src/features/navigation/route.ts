import { roleAtLeast, type UserRole } from '@walboard/shared/auth';

/** The page's sections; the overview is the default. Operations is for every role, the rest for admins. */
export const routes = ['overview', 'operations', 'users', 'audit'] as const;
export type Route = (typeof routes)[number];

const adminOnly: ReadonlySet<Route> = new Set(['users', 'audit']);

/** `#/operations`, `#/users`, `#/audit` → that section; anything else → overview. */
export function routeFromHash(hash: string): Route {
  const name = hash.replace(/^#\/?/, '').split(/[/?]/)[0];
  return routes.find((r) => r === name) ?? 'overview';
}

export function hashFor(route: Route): string {
  return route === 'overview' ? '#/' : `#/${route}`;
}

/** The sections this role may open (the server checks again on every request). */
export function routesFor(role: UserRole): Route[] {
  return routes.filter((r) => !adminOnly.has(r) || roleAtLeast(role, 'admin'));
}

/** The section to show: an admin page asked for by someone who is not an admin falls back to the overview. */
export function visibleRoute(route: Route, role: UserRole): Route {
  return routesFor(role).includes(route) ? route : 'overview';
}
