import { apiRoutes } from '@walboard/shared/api-routes';
import { nameSchema } from '@walboard/shared/config';
import { type LabProgress, labStepIdSchema } from '@walboard/shared/guide';
import type { FastifyInstance } from 'fastify';
import type { AuditLog } from '../audit/audit-log.ts';
import { requireActor } from '../auth/actor.ts';
import { type LabGuide, LabGuideError } from '../guide/lab-guide.ts';
import { OperationError } from '../operations/operation-errors.ts';
import { ErrorCodes, HttpError } from './errors.ts';
import { serveRoute } from './openapi-route.ts';

export interface LabRoutesDeps {
  guide: LabGuide;
  audit: AuditLog;
}

type ClusterParams = { cluster: string };
type StepParams = { cluster: string; step: string };

function clusterOf(raw: string): string {
  const c = nameSchema.safeParse(raw);
  if (!c.success) throw new HttpError(404, ErrorCodes.noCluster, `no cluster named "${raw}"`);
  return c.data;
}

function stepOf(raw: string) {
  const s = labStepIdSchema.safeParse(raw);
  if (!s.success)
    throw new HttpError(
      404,
      ErrorCodes.notFound,
      `no lab step "${raw}": the steps are ${labStepIdSchema.options.join(', ')}`,
    );
  return s.data;
}

function httpOf(err: unknown): never {
  if (err instanceof LabGuideError) {
    if (err.kind === 'no-cluster') throw new HttpError(404, ErrorCodes.noCluster, err.message);
    if (err.kind === 'no-node') throw new HttpError(400, ErrorCodes.badRequest, err.message);
    throw new HttpError(409, ErrorCodes.conflict, err.message);
  }
  if (err instanceof OperationError) throw new HttpError(err.statusCode, err.code, err.message, err.node);
  throw err;
}

/** Viewer scope: the lab's progress and each step's plan (read only; planning changes nothing). */
export async function labReadRoutes(app: FastifyInstance, deps: LabRoutesDeps): Promise<void> {
  serveRoute<{ Params: ClusterParams }>(app, apiRoutes.labProgress, async (req): Promise<LabProgress> => {
    try {
      return deps.guide.progress(clusterOf(req.params.cluster));
    } catch (err) {
      return httpOf(err);
    }
  });

  serveRoute<{ Params: StepParams }>(app, apiRoutes.labStepPlan, async (req) => {
    const cluster = clusterOf(req.params.cluster);
    const step = stepOf(req.params.step);
    try {
      return { plan: await deps.guide.plan(cluster, step) };
    } catch (err) {
      return httpOf(err);
    }
  });
}

/** Operator scope: choose the lab's nodes, run a step's Check. Both are audited. */
export async function labWriteRoutes(app: FastifyInstance, deps: LabRoutesDeps): Promise<void> {
  serveRoute<{ Params: ClusterParams }>(app, apiRoutes.labPair, async (req): Promise<LabProgress> => {
    const cluster = clusterOf(req.params.cluster);
    const body = apiRoutes.labPair.body.safeParse(req.body);
    if (!body.success) {
      const i = body.error.issues[0];
      throw new HttpError(
        400,
        ErrorCodes.badRequest,
        `lab pair refused: ${i?.path.join('.') || '(body)'}: ${i?.message ?? 'invalid'}. Send {"pair":{"primary":"<node>","standby":"<other node>"}}.`,
      );
    }
    try {
      const progress = deps.guide.setPair(cluster, body.data.pair);
      deps.audit.record({
        req,
        action: 'lab.pair',
        target: cluster,
        detail: body.data.pair,
        result: 'ok',
        message: `lab of ${cluster} starts over on ${body.data.pair.primary} → ${body.data.pair.standby}`,
      });
      return progress;
    } catch (err) {
      return httpOf(err);
    }
  });

  serveRoute<{ Params: StepParams }>(app, apiRoutes.labStepCheck, async (req): Promise<LabProgress> => {
    const actor = requireActor(req);
    const cluster = clusterOf(req.params.cluster);
    const step = stepOf(req.params.step);
    try {
      const progress = await deps.guide.check(cluster, step, actor.username);
      const check = progress.steps.find((s) => s.id === step)?.check;
      deps.audit.record({
        req,
        action: 'lab.check',
        target: cluster,
        detail: { step, state: check?.state ?? null, problem: check?.problem?.key ?? null },
        result: 'ok',
        message: `lab check ${step} on ${cluster}: ${check?.state ?? 'not recorded'}`,
      });
      return progress;
    } catch (err) {
      return httpOf(err);
    }
  });
}
