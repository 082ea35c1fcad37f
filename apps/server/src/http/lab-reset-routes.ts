import { apiRoutes } from '@walboard/shared/api-routes';
import { type LabResetResult, labResetResultSchema } from '@walboard/shared/guide';
import type { FastifyInstance } from 'fastify';
import type { AuditLog } from '../audit/audit-log.ts';
import { requireActor } from '../auth/actor.ts';
import { OperationError, OperationErrorCodes } from '../operations/operation-errors.ts';
import type { OperationRunner } from '../operations/operation-runner.ts';
import { ErrorCodes, HttpError } from './errors.ts';
import { serveRoute } from './openapi-route.ts';

export const LabResetErrorCodes = {
  /** The reset started but did not finish: the message says at which point and what to do. */
  failed: 'WB_ERR_LAB_RESET_FAILED',
} as const;

/** Told after every successful reset (the guided lab clears its progress here). */
export type LabResetListener = () => void | Promise<void>;

export interface LabResetRouteDeps {
  /** Stops, removes and recreates the embedded lab's servers (lab-main's resetLab). */
  reset: () => Promise<LabResetResult>;
  runner: OperationRunner;
  /** The clusters the lab's servers belong to: held for the whole reset. */
  clusters: readonly string[];
  audit: AuditLog;
  listeners: readonly LabResetListener[];
}

/**
 * `POST /lab/reset` (admin scope, under /api; only on the embedded lab), body {confirm: true}:
 * the lab back to two bare servers. Refused while an operation runs; holds the clusters meanwhile.
 */
export async function labResetRoutes(app: FastifyInstance, deps: LabResetRouteDeps): Promise<void> {
  serveRoute(app, apiRoutes.labReset, async (req): Promise<LabResetResult> => {
    const actor = requireActor(req);
    const target = deps.clusters.join(',');
    const record = (result: 'ok' | 'refused' | 'failed', message: string, detail?: Record<string, unknown>) =>
      deps.audit.record({ req, action: 'lab.reset', target, result, message, ...(detail ? { detail } : {}) });
    if (!apiRoutes.labReset.body.safeParse(req.body).success) {
      const message =
        'a lab reset deletes both servers\' data, archives and the lab\'s progress: send {"confirm": true} to do it';
      record('refused', message);
      throw new HttpError(400, ErrorCodes.badRequest, message);
    }
    const releases: (() => void)[] = [];
    try {
      for (const c of deps.clusters)
        releases.push(deps.runner.hold(c, { type: 'lab-reset', node: c, by: actor.username }));
    } catch (err) {
      for (const r of releases) r();
      if (!(err instanceof OperationError)) throw err;
      const message = `lab reset refused: ${err.message}`;
      record('refused', message);
      throw new HttpError(409, OperationErrorCodes.busy, message, err.node);
    }
    try {
      const result = labResetResultSchema.parse(await deps.reset());
      for (const l of deps.listeners) await l();
      record('ok', `lab reset to two bare servers in ${result.seconds} s`, { ...result });
      return result;
    } catch (err) {
      const message = `lab reset failed: ${(err as Error).message}. Run Reset lab again, or stop walboard and remove the lab folder to start from scratch.`;
      record('failed', message);
      throw new HttpError(500, LabResetErrorCodes.failed, message);
    } finally {
      for (const r of releases) r();
    }
  });
}
