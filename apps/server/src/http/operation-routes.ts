import type { ErrorBody } from '@walboard/shared/api';
import { apiPathParams, apiRoutes } from '@walboard/shared/api-routes';
import { nameSchema } from '@walboard/shared/config';
import type { Operation, OperationConfirmRequired } from '@walboard/shared/operations';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { AuditLog } from '../audit/audit-log.ts';
import { canSeeCluster, clientAddress, requireActor } from '../auth/actor.ts';
import { OperationError, OperationErrorCodes } from '../operations/operation-errors.ts';
import type { OperationRunner } from '../operations/operation-runner.ts';
import { HttpError } from './errors.ts';
import { serveRoute } from './openapi-route.ts';

export interface OperationRoutesDeps {
  runner: OperationRunner;
  audit: AuditLog;
}

function clusterParam(raw: string): string {
  const c = nameSchema.safeParse(raw);
  if (!c.success) throw new HttpError(404, OperationErrorCodes.noCluster, `no cluster named "${raw}"`);
  return c.data;
}

function valueAt(body: unknown, path: readonly PropertyKey[]): unknown {
  let v = body;
  for (const k of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[k];
  }
  return v;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

function sendOperationError(reply: FastifyReply, err: unknown): FastifyReply {
  if (!(err instanceof OperationError)) throw err;
  if (err.code === OperationErrorCodes.confirmRequired && err.plan && err.node) {
    const body: OperationConfirmRequired = {
      error: OperationErrorCodes.confirmRequired,
      message: err.message,
      node: err.node,
      plan: err.plan,
    };
    return reply.status(409).send(body);
  }
  throw new HttpError(err.statusCode, err.code, err.message, err.node);
}

/** Viewer scope: `GET /clusters/:cluster/operations`, `GET /operations/:id` (register under /api). */
export async function operationReadRoutes(app: FastifyInstance, deps: OperationRoutesDeps): Promise<void> {
  serveRoute<{ Params: { cluster: string }; Querystring: unknown }>(
    app,
    apiRoutes.operations,
    async (req): Promise<Operation[]> => {
      const cluster = clusterParam(req.params.cluster);
      const q = apiRoutes.operations.query.safeParse(req.query ?? {});
      if (!q.success)
        throw new HttpError(400, OperationErrorCodes.invalid, 'limit must be a whole number from 1 to 500');
      return deps.runner.list(cluster, q.data.limit);
    },
  );

  serveRoute<{ Params: { id: string } }>(app, apiRoutes.operation, async (req): Promise<Operation> => {
    const actor = requireActor(req);
    const id = apiPathParams.id.safeParse(req.params.id);
    const op = id.success ? deps.runner.get(id.data) : null;
    if (!op)
      throw new HttpError(404, OperationErrorCodes.noOperation, `no operation with id "${req.params.id}"`);
    // This route has no :cluster for the scope to check: the operation's own cluster decides.
    if (!canSeeCluster(actor, op.cluster))
      throw new HttpError(
        403,
        OperationErrorCodes.forbidden,
        `you may not see operations of cluster ${op.cluster}`,
      );
    return op;
  });
}

/**
 * Operator scope: `POST /clusters/:cluster/operations` with an operationRequestSchema body.
 * dryRun → 200 {plan}; started → 202 {id}. Every refused body is audited and nothing runs.
 */
export async function operationWriteRoutes(app: FastifyInstance, deps: OperationRoutesDeps): Promise<void> {
  serveRoute<{ Params: { cluster: string } }>(app, apiRoutes.startOperation, async (req, reply) => {
    const actor = requireActor(req);
    const cluster = clusterParam(req.params.cluster);
    const parsed = apiRoutes.startOperation.body.safeParse(req.body);
    if (!parsed.success) {
      const issues = parsed.error.issues.slice(0, 10).map((i) => ({
        field: i.path.map(String).join('.') || '(body)',
        message: i.message,
        value: valueAt(req.body, i.path),
      }));
      const first = issues[0] ?? { field: '(body)', message: 'invalid' };
      const node = str(valueAt(req.body, ['node']));
      const type = str(valueAt(req.body, ['type']));
      const message = `operation refused: ${first.field}: ${first.message}. Nothing was run; correct the field and send it again.`;
      deps.audit.record({
        req,
        action: 'operation.refused',
        target: cluster,
        detail: { cluster, ...(type ? { type } : {}), ...(node ? { node } : {}), field: first.field, issues },
        result: 'refused',
        message,
      });
      const body: ErrorBody = {
        error: OperationErrorCodes.invalid,
        message,
        ...(node && nameSchema.safeParse(node).success ? { node } : {}),
      };
      return reply.status(400).send(body);
    }
    const request = parsed.data;
    try {
      if (request.dryRun) return reply.status(200).send({ plan: await deps.runner.plan(cluster, request) });
      const { id } = await deps.runner.start(cluster, request, {
        username: actor.username,
        source: clientAddress(req),
      });
      return reply.status(202).send({ id });
    } catch (err) {
      return sendOperationError(reply, err);
    }
  });

  /** Asks a running operation to stop at its next safe point (202 with the operation as it is). */
  serveRoute<{ Params: { id: string } }>(app, apiRoutes.cancelOperation, async (req, reply) => {
    const actor = requireActor(req);
    const id = apiPathParams.id.safeParse(req.params.id);
    const op = id.success ? deps.runner.get(id.data) : null;
    if (!op || !id.success)
      throw new HttpError(404, OperationErrorCodes.noOperation, `no operation with id "${req.params.id}"`);
    if (!canSeeCluster(actor, op.cluster))
      throw new HttpError(
        403,
        OperationErrorCodes.forbidden,
        `you may not act on operations of cluster ${op.cluster}`,
      );
    try {
      return reply
        .status(202)
        .send(deps.runner.cancel(id.data, { username: actor.username, source: clientAddress(req) }));
    } catch (err) {
      return sendOperationError(reply, err);
    }
  });
}
