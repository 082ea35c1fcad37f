import type { ClusterSummary, Health } from '@walboard/shared/api';
import { nameSchema } from '@walboard/shared/config';
import type { FastifyInstance } from 'fastify';
import type { ClusterMonitor } from '../monitor/cluster-monitor.ts';
import type { NodeSession } from '../nodes/node-session.ts';
import { ErrorCodes, HttpError } from './errors.ts';

export interface ApiDeps {
  monitor: ClusterMonitor;
  sessions: readonly NodeSession[];
  version: string;
}

/** Read-only REST routes under /api (encapsulated: registered with a prefix, never wrapped). */
export async function apiRoutes(app: FastifyInstance, deps: ApiDeps): Promise<void> {
  app.get('/health', async (): Promise<Health> => ({ ok: true, version: deps.version }));

  app.get('/clusters', async (): Promise<ClusterSummary[]> => {
    const byCluster = new Map<string, ClusterSummary>();
    for (const s of deps.sessions) {
      const c = byCluster.get(s.cluster) ?? { name: s.cluster, nodes: [] };
      c.nodes.push({ name: s.name, transport: s.config.transport, host: s.host });
      byCluster.set(s.cluster, c);
    }
    return [...byCluster.values()];
  });

  app.get<{ Params: { cluster: string } }>('/clusters/:cluster', async (req) => {
    const name = nameSchema.safeParse(req.params.cluster);
    const snap = name.success ? deps.monitor.snapshot(name.data) : null;
    if (!snap) throw new HttpError(404, ErrorCodes.noCluster, `no cluster named "${req.params.cluster}"`);
    return snap;
  });
}
