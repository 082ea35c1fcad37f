import { apiRoutes } from '@walboard/shared/api-routes';
import type { FastifyInstance } from 'fastify';
import { buildOpenApi } from './openapi.ts';
import { serveRoute } from './openapi-route.ts';

/** `GET /openapi.json` (viewer scope, under /api): the REST API as OpenAPI 3.1. */
export async function openApiRoutes(app: FastifyInstance, deps: { version: string }): Promise<void> {
  // The same for every caller and every request: built once, on first use.
  let doc: string | null = null;
  serveRoute(app, apiRoutes.openapi, async (_req, reply) => {
    doc ??= JSON.stringify(buildOpenApi(apiRoutes, deps.version));
    return reply.type('application/json; charset=utf-8').send(doc);
  });
}
