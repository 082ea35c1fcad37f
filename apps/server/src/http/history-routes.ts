import type { LagHistory } from '@walboard/shared/api';
import { apiRoutes } from '@walboard/shared/api-routes';
import { nameSchema } from '@walboard/shared/config';
import type { FastifyInstance } from 'fastify';
import type { ClusterMonitor } from '../monitor/cluster-monitor.ts';
import type { LagStore } from '../store/lag-store.ts';
import { ErrorCodes, HttpError } from './errors.ts';
import { serveRoute } from './openapi-route.ts';

export interface HistoryDeps {
  monitor: ClusterMonitor;
  lag: Pick<LagStore, 'points'>;
  clock?: () => number;
}

/** `GET /clusters/:cluster/lag-history?standby=&range=15m|1h|24h` (register under /api). */
export async function historyRoutes(app: FastifyInstance, deps: HistoryDeps): Promise<void> {
  const clock = deps.clock ?? Date.now;
  serveRoute<{ Params: { cluster: string }; Querystring: unknown }>(
    app,
    apiRoutes.lagHistory,
    async (req): Promise<LagHistory> => {
      const cluster = nameSchema.safeParse(req.params.cluster);
      if (!cluster.success || !deps.monitor.hasCluster(cluster.data)) {
        throw new HttpError(404, ErrorCodes.noCluster, `no cluster named "${req.params.cluster}"`);
      }
      const query = apiRoutes.lagHistory.query.safeParse(req.query);
      if (!query.success) {
        const issue = query.error.issues[0];
        throw new HttpError(
          400,
          ErrorCodes.badRequest,
          `bad lag-history query: ${issue?.path.join('.') || 'query'} ${issue?.message ?? 'is invalid'} (expected ?standby=<name>&range=15m|1h|24h)`,
        );
      }
      const { standby, range } = query.data;
      return {
        cluster: cluster.data,
        standby,
        range,
        points: deps.lag.points(cluster.data, standby, range, clock()),
      };
    },
  );
}
