import type { ErrorBody } from '@walboard/shared/api';
import { apiRoutes } from '@walboard/shared/api-routes';
import { nameSchema } from '@walboard/shared/config';
import type { LabActionResult } from '@walboard/shared/guide';
import type { FastifyInstance } from 'fastify';
import type { AuditLog } from '../audit/audit-log.ts';
import { requireActor } from '../auth/actor.ts';
import { LabActionError, LabActionErrorCodes, runLabAction } from '../guide/lab-actions.ts';
import type { NodeSession } from '../nodes/node-session.ts';
import { ErrorCodes, HttpError } from './errors.ts';
import { serveRoute } from './openapi-route.ts';

export interface LabActionRoutesDeps {
  sessions: readonly NodeSession[];
  audit: AuditLog;
}

/**
 * Operator scope: `POST /clusters/:cluster/lab/actions` — the WAL journey's buttons (write rows,
 * switch the WAL segment) on a primary. Every attempt is audited, refused ones included.
 */
export async function labActionRoutes(app: FastifyInstance, deps: LabActionRoutesDeps): Promise<void> {
  serveRoute<{ Params: { cluster: string } }>(app, apiRoutes.labAction, async (req, reply) => {
    const actor = requireActor(req);
    const c = nameSchema.safeParse(req.params.cluster);
    if (!c.success)
      throw new HttpError(404, ErrorCodes.noCluster, `no cluster named "${req.params.cluster}"`);
    const cluster = c.data;
    const parsed = apiRoutes.labAction.body.safeParse(req.body);
    if (!parsed.success) {
      const first = parsed.error.issues[0];
      const field = first?.path.map(String).join('.') || '(body)';
      const message = `lab action refused: ${field}: ${first?.message ?? 'invalid'}. Nothing was run; send {"action":"write-rows","node":…,"rows":…} or {"action":"switch-wal","node":…}`;
      deps.audit.record({
        req,
        action: 'lab.action',
        target: cluster,
        detail: { cluster, field },
        result: 'refused',
        message,
      });
      const body: ErrorBody = { error: ErrorCodes.badRequest, message };
      return reply.status(400).send(body);
    }
    const request = parsed.data;
    const action = `lab.${request.action}`;
    const target = `${cluster}/${request.node}`;
    try {
      const result = await runLabAction(deps.sessions, cluster, request, actor);
      deps.audit.record({
        req,
        action,
        target,
        detail: { cluster, ...request, ...result },
        result: 'ok',
        message:
          request.action === 'write-rows'
            ? `${request.rows} rows written on ${request.node}; its WAL is at ${result.lsn}`
            : result.closedSegment
              ? `WAL segment ${result.closedSegment} closed on ${request.node}; it goes to the archive`
              : `nothing written on ${request.node} since the last switch: no segment to close`,
      });
      return reply.status(200).send(result satisfies LabActionResult);
    } catch (err) {
      if (!(err instanceof LabActionError)) throw err;
      deps.audit.record({
        req,
        action,
        target,
        detail: { cluster, ...request, code: err.code },
        result: err.code === LabActionErrorCodes.failed ? 'failed' : 'refused',
        message: err.message,
      });
      throw new HttpError(err.statusCode, err.code, err.message, err.node);
    }
  });
}
