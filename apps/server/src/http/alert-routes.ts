import type { AlertList } from '@walboard/shared/alerts';
import { apiRoutes } from '@walboard/shared/api-routes';
import type { FastifyInstance } from 'fastify';
import type { AlertsService } from '../alerts/alerts-service.ts';
import { canSeeCluster, requireActor } from '../auth/actor.ts';
import { serveRoute } from './openapi-route.ts';

/** `GET /alerts` (viewer scope, under /api): firing and recent alerts of the clusters one may see. */
export async function alertRoutes(app: FastifyInstance, deps: { alerts: AlertsService }): Promise<void> {
  serveRoute(app, apiRoutes.alerts, async (req): Promise<AlertList> => {
    const actor = requireActor(req);
    return deps.alerts.list((cluster) => canSeeCluster(actor, cluster));
  });
}
