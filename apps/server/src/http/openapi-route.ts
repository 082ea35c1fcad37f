import type { ApiRouteDef } from '@walboard/shared/api-routes';
import type { UserRole } from '@walboard/shared/auth';
import type {
  FastifyInstance,
  RawReplyDefaultExpression,
  RawRequestDefaultExpression,
  RawServerDefault,
  RouteGenericInterface,
  RouteOptions,
} from 'fastify';

type Handler<G extends RouteGenericInterface> = RouteOptions<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  G
>['handler'];

/**
 * Registers a described route: method and URL come from its definition in
 * packages/shared/src/api-routes.ts, and the definition rides along in the route's config, so
 * the route table says which described route each served one is (openapi.test.ts compares
 * them). The handler validates with the definition's own `query`/`body` schemas.
 */
export function serveRoute<G extends RouteGenericInterface = RouteGenericInterface>(
  app: FastifyInstance,
  def: ApiRouteDef,
  handler: Handler<G>,
): void {
  app.route<G>({ method: def.method, url: def.url, config: { api: def }, handler });
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The described route this one serves (set by serveRoute). */
    api?: ApiRouteDef;
    /** The least role of the scope the route is registered in (set by roleScope); none: public. */
    access?: UserRole;
  }
}
