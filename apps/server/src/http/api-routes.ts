import type { ClusterSummary, Health } from '@walboard/shared/api';
import { apiRoutes as described } from '@walboard/shared/api-routes';
import { nameSchema } from '@walboard/shared/config';
import type { FastifyInstance } from 'fastify';
import { canSeeCluster, requireActor } from '../auth/actor.ts';
import type { ClusterMonitor } from '../monitor/cluster-monitor.ts';
import type { NodeSession } from '../nodes/node-session.ts';
import { ErrorCodes, HttpError } from './errors.ts';
import { serveRoute } from './openapi-route.ts';

export interface ApiDeps {
  monitor: ClusterMonitor;
  sessions: readonly NodeSession[];
}

/** Public: whether the controller is up (for load balancers and the login page). */
export async function healthRoutes(
  app: FastifyInstance,
  deps: { version: string; labReset?: boolean },
): Promise<void> {
  serveRoute(
    app,
    described.health,
    async (): Promise<Health> => ({
      ok: true,
      version: deps.version,
      ...(deps.labReset ? { labReset: true as const } : {}),
    }),
  );
}

/** Read-only REST routes under /api, inside the viewer scope. */
export async function apiRoutes(app: FastifyInstance, deps: ApiDeps): Promise<void> {
  serveRoute(app, described.clusters, async (req): Promise<ClusterSummary[]> => {
    const actor = requireActor(req);
    const byCluster = new Map<string, ClusterSummary>();
    for (const s of deps.sessions) {
      if (!canSeeCluster(actor, s.cluster)) continue;
      const c = byCluster.get(s.cluster) ?? { name: s.cluster, nodes: [] };
      c.nodes.push({ name: s.name, transport: s.config.transport, host: s.host });
      byCluster.set(s.cluster, c);
    }
    return [...byCluster.values()];
  });

  serveRoute<{ Params: { cluster: string } }>(app, described.cluster, async (req) => {
    const name = nameSchema.safeParse(req.params.cluster);
    const snap = name.success ? deps.monitor.snapshot(name.data) : null;
    if (!snap) throw new HttpError(404, ErrorCodes.noCluster, `no cluster named "${req.params.cluster}"`);
    return snap;
  });
}
