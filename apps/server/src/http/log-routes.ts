import type { NodeLog } from '@walboard/shared/api';
import { apiRoutes } from '@walboard/shared/api-routes';
import type { FastifyInstance } from 'fastify';
import { requireActor } from '../auth/actor.ts';
import type { LogTails } from '../monitor/log-tails.ts';
import { newestWithin, type ReplayBudget } from '../monitor/replay-budget.ts';
import type { NodeSession } from '../nodes/node-session.ts';
import { ErrorCodes, HttpError } from './errors.ts';
import { serveRoute } from './openapi-route.ts';

export interface LogRouteDeps {
  logs: LogTails;
  sessions: readonly NodeSession[];
  /** Shared with the socket hub: one budget of replays per session, whichever way they are asked. */
  replays: ReplayBudget;
}

// Not in errors.ts's catalogue (yet): the socket hub answers an unknown node with the same code.
const NO_NODE = 'WB_ERR_NO_NODE';

/** `GET /clusters/:cluster/nodes/:node/log?lines=N`: the node's recent log lines, from memory. */
export async function logRoutes(app: FastifyInstance, deps: LogRouteDeps): Promise<void> {
  serveRoute<{ Params: { cluster: string; node: string }; Querystring: Record<string, unknown> }>(
    app,
    apiRoutes.nodeLog,
    async (req, reply): Promise<NodeLog> => {
      const { cluster, node } = req.params;
      if (!deps.sessions.some((s) => s.cluster === cluster)) {
        throw new HttpError(404, ErrorCodes.noCluster, `no cluster named "${cluster}"`);
      }
      if (!deps.sessions.some((s) => s.cluster === cluster && s.name === node)) {
        throw new HttpError(404, NO_NODE, `no node "${node}" in cluster "${cluster}"`, node);
      }
      const query = apiRoutes.nodeLog.query.safeParse(req.query);
      if (!query.success) {
        const issue = query.error.issues[0];
        throw new HttpError(
          400,
          ErrorCodes.badRequest,
          `lines must be a whole number from 1 to 2000 (${issue?.path.join('.') || 'query'}: ${issue?.message})`,
          node,
        );
      }
      const wait = deps.replays.take(requireActor(req).sessionId);
      if (wait > 0) {
        reply.header('retry-after', String(wait));
        throw new HttpError(
          429,
          ErrorCodes.rateLimited,
          `too many log reads for this session: try again in ${wait} s`,
          node,
        );
      }
      // A node without postgres.logFile has no tail: an empty log, not an error.
      const recent = deps.logs.recent(cluster, node, query.data.lines) ?? { lines: [], dropped: 0 };
      // Bounded in bytes too: the newest lines that fit; the older ones count as dropped here.
      const bounded = newestWithin(recent.lines);
      return { cluster, node, lines: bounded.lines, dropped: recent.dropped + bounded.cut };
    },
  );
}
