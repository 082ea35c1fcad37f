import type { FastifyInstance } from 'fastify';

/**
 * One debug line per HTTP request, replacing Fastify's two info lines (the terminal flood). The
 * path only: a query string may hold a one-time token (the lab's sign-in link), headers a cookie.
 */
export function installRequestLog(app: FastifyInstance): void {
  app.addHook('onResponse', async (req, reply) => {
    const path = req.url.split('?')[0] ?? '';
    const ms = Math.round(reply.elapsedTime * 10) / 10;
    req.log.debug(
      { event: 'http.request', method: req.method, url: path, status: reply.statusCode, ms, address: req.ip },
      `${req.method} ${path} ${reply.statusCode} ${ms} ms`,
    );
  });
}
