import { roleAtLeast, type UserRole } from '@walboard/shared/auth';

/** The page's sections. Users and Audit are for admins, the others for every role. */
export const routes = ['overview', 'lab', 'operations', 'alerts', 'users', 'audit', 'api'] as const;
export type Route = (typeof routes)[number];

const adminOnly: ReadonlySet<Route> = new Set(['users', 'audit']);

/**
 * `#/lab`, `#/operations`, `#/alerts`, `#/users`, `#/audit`, `#/api`, `#/overview` → that section; no section named →
 * `home` (the overview; the Lab view on the embedded lab); anything unknown → the overview.
 */
export function routeFromHash(hash: string, home: Route = 'overview'): Route {
  const name = hash.replace(/^#\/?/, '').split(/[/?]/)[0];
  if (!name) return home;
  return routes.find((r) => r === name) ?? 'overview';
}

export function hashFor(route: Route): string {
  return `#/${route}`;
}

/** The sections this role may open (the server checks again on every request). */
export function routesFor(role: UserRole): Route[] {
  return routes.filter((r) => !adminOnly.has(r) || roleAtLeast(role, 'admin'));
}

/** The section to show: an admin page asked for by someone who is not an admin falls back to the overview. */
export function visibleRoute(route: Route, role: UserRole): Route {
  return routesFor(role).includes(route) ? route : 'overview';
}
