/**
 * The routes anyone may call without a session, as "METHOD /url". Tests walk the route table and
 * expect 401 from everything else; adding a public route means adding it here, on purpose.
 */
export const PUBLIC_API_ROUTES: ReadonlySet<string> = new Set([
  'GET /api/health',
  'HEAD /api/health',
  'POST /api/session',
  // The embedded lab's one-time sign-in link (401 everywhere else, and once it is spent).
  'POST /api/session/link',
]);

/** Fills a route's parameters with harmless values so it can be requested. */
export function fillRoute(url: string, values: Record<string, string> = {}): string {
  return url.replace(/:([A-Za-z]+)/g, (_, name: string) => values[name] ?? 'x').replace('*', 'x');
}
