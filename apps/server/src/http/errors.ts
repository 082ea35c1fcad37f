import type { ErrorBody } from '@walboard/shared/api';
import type { FastifyInstance } from 'fastify';

/** Stable error codes: the page and scripts match on these, never on message text. */
export const ErrorCodes = {
  notFound: 'WB_ERR_NOT_FOUND',
  noCluster: 'WB_ERR_NO_CLUSTER',
  badRequest: 'WB_ERR_BAD_REQUEST',
  internal: 'WB_ERR_INTERNAL',
  unauthenticated: 'WB_ERR_UNAUTHENTICATED',
  forbidden: 'WB_ERR_FORBIDDEN',
  csrf: 'WB_ERR_CSRF',
  /** A change sent with an Origin header that is not this walboard's page. */
  foreignOrigin: 'WB_ERR_FOREIGN_ORIGIN',
  jsonOnly: 'WB_ERR_JSON_ONLY',
  badLogin: 'WB_ERR_BAD_LOGIN',
  rateLimited: 'WB_ERR_RATE_LIMITED',
  conflict: 'WB_ERR_CONFLICT',
  noUser: 'WB_ERR_NO_USER',
} as const;

export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly node?: string,
  ) {
    super(message);
  }
}

/** One root handler: 4xx messages reach the user, 5xx details stay in the server log. */
export function installErrorHandler(app: FastifyInstance, opts: { pageFallback: boolean }): void {
  app.setErrorHandler((err: Error & { statusCode?: number; validation?: unknown }, req, reply) => {
    if (err instanceof HttpError) {
      const body: ErrorBody = {
        error: err.code,
        message: err.message,
        ...(err.node ? { node: err.node } : {}),
      };
      return reply.status(err.statusCode).send(body);
    }
    const status = err.statusCode ?? 500;
    if (status < 500) {
      return reply
        .status(status)
        .send({ error: ErrorCodes.badRequest, message: err.message } satisfies ErrorBody);
    }
    req.log.error({ err }, 'request failed');
    return reply.status(500).send({
      error: ErrorCodes.internal,
      message: 'internal error: see the server log',
    } satisfies ErrorBody);
  });
  app.setNotFoundHandler((req, reply) => {
    // Client-side routes fall back to the page; /api misses stay JSON 404s.
    if (opts.pageFallback && req.method === 'GET' && !req.url.startsWith('/api/')) {
      return reply.sendFile('index.html');
    }
    return reply
      .status(404)
      .send({ error: ErrorCodes.notFound, message: `no route ${req.method} ${req.url}` } satisfies ErrorBody);
  });
}
