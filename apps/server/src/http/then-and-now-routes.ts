import { apiRoutes } from '@walboard/shared/api-routes';
import { nameSchema } from '@walboard/shared/config';
import type { ThenAndNow } from '@walboard/shared/guide';
import type { FastifyInstance } from 'fastify';
import { type ThenAndNowContext, thenAndNow } from '../guide/then-and-now.ts';
import type { ClusterMonitor } from '../monitor/cluster-monitor.ts';
import type { NodeSession } from '../nodes/node-session.ts';
import { ClusterReader } from '../operations/cluster-reader.ts';
import { NodeFactsError } from '../operations/node-facts.ts';
import { PlanRefusal } from '../operations/plan-types.ts';
import { capabilitiesFor } from '../postgres/capabilities.ts';
import { ErrorCodes, HttpError } from './errors.ts';
import { serveRoute } from './openapi-route.ts';

export const ThenAndNowErrorCodes = {
  noNode: 'WB_ERR_NO_NODE',
  /** The node's server has not answered the monitor yet: its version is not known. */
  versionUnknown: 'WB_ERR_VERSION_UNKNOWN',
  /** The pair cannot make a lab (one node, or a standby without archiveDir). */
  noLabPair: 'WB_ERR_NO_LAB_PAIR',
  /** A fact the plans read from a node (home, rsync, pg_archivecleanup) could not be read. */
  nodeFacts: 'WB_ERR_NODE_FACTS',
} as const;

export interface ThenAndNowDeps {
  monitor: ClusterMonitor;
  sessions: readonly NodeSession[];
}

/** The live facts the plans would read, read the same way (one ClusterReader, each fact once). */
async function contextFor(
  reader: ClusterReader,
  primary: NodeSession,
  standby: NodeSession,
  replicationUser: string,
  major: number,
): Promise<ThenAndNowContext> {
  const ssh = primary.config.transport === 'ssh' || standby.config.transport === 'ssh';
  const [primaryHome, rsyncP, rsyncS, tools] = await Promise.all([
    ssh ? reader.home(primary.name) : Promise.resolve(null),
    reader.rsyncVersion(primary.name),
    reader.rsyncVersion(standby.name),
    reader.tools(standby.name, major),
  ]);
  return {
    primary: primary.config,
    standby: standby.config,
    replicationUser,
    primaryHome,
    rsync: { primary: rsyncP, standby: rsyncS },
    archiveCleanupBin: tools.pg_archivecleanup,
  };
}

/** `GET /clusters/:cluster/lab/then-and-now?node=`: the 9.1 guide's forms beside the node's (register under /api). */
export async function thenAndNowRoutes(app: FastifyInstance, deps: ThenAndNowDeps): Promise<void> {
  serveRoute<{ Params: { cluster: string }; Querystring: unknown }>(
    app,
    apiRoutes.thenAndNow,
    async (req): Promise<ThenAndNow> => {
      const cluster = nameSchema.safeParse(req.params.cluster);
      const snapshot = cluster.success ? deps.monitor.snapshot(cluster.data) : null;
      if (!cluster.success || !snapshot) {
        throw new HttpError(404, ErrorCodes.noCluster, `no cluster named "${req.params.cluster}"`);
      }
      const query = apiRoutes.thenAndNow.query.safeParse(req.query);
      if (!query.success) {
        const issue = query.error.issues[0];
        throw new HttpError(
          400,
          ErrorCodes.badRequest,
          `bad then-and-now query: ${issue?.path.join('.') || 'query'} ${issue?.message ?? 'is invalid'} (expected ?node=<name>[&primary=<name>&standby=<name>])`,
        );
      }
      const q = query.data;
      const inCluster = deps.sessions.filter((s) => s.cluster === cluster.data);
      const find = (name: string): NodeSession => {
        const s = inCluster.find((x) => x.name === name);
        if (!s)
          throw new HttpError(
            404,
            ThenAndNowErrorCodes.noNode,
            `no node "${name}" in cluster "${cluster.data}": choose one of ${inCluster.map((x) => x.name).join(', ')}`,
            name,
          );
        return s;
      };
      find(q.node);
      const primary = find(q.primary ?? q.node);
      const standbyName = q.standby ?? inCluster.find((s) => s.name !== primary.name)?.name;
      if (!standbyName || standbyName === primary.name)
        throw new HttpError(
          422,
          ThenAndNowErrorCodes.noLabPair,
          `the lab needs a standby other than ${primary.name}: name it as ?standby=<node>${inCluster.length < 2 ? ` (cluster "${cluster.data}" has only one node; add another to walboard.yaml)` : ''}`,
          primary.name,
        );
      const standby = find(standbyName);
      const versionNum = snapshot.nodes.find((n) => n.node === q.node)?.versionNum ?? null;
      if (versionNum === null)
        throw new HttpError(
          409,
          ThenAndNowErrorCodes.versionUnknown,
          `the PostgreSQL version of ${q.node} is not known yet: walboard has not reached its server (${snapshot.nodes.find((n) => n.node === q.node)?.reachability.pg ?? 'not polled'}); start it or check the connection, then reload`,
          q.node,
        );
      const reader = new ClusterReader(cluster.data, deps.sessions, new Date());
      try {
        const major = Number(capabilitiesFor(versionNum).major);
        const ctx = await contextFor(reader, primary, standby, q.replicationUser, major);
        return thenAndNow(versionNum, ctx);
      } catch (err) {
        if (err instanceof PlanRefusal)
          throw new HttpError(422, ThenAndNowErrorCodes.noLabPair, err.message, err.node);
        if (err instanceof NodeFactsError)
          throw new HttpError(503, ThenAndNowErrorCodes.nodeFacts, err.message, err.node);
        throw err;
      }
    },
  );
}
