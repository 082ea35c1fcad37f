import type { OperationRequestOf } from '@walboard/shared/operations';
import { checkArchiveDir } from '../archive-dir.ts';
import type { PlanContext } from '../plan-types.ts';
import { commandStep } from '../step-builders.ts';
import type { PlanParts } from './single-node-parts.ts';

/** The archive directory `req` names, checked (see checkArchiveDir). */
export function archiveDirFor(req: OperationRequestOf<'prepare-archive-dir'>, ctx: PlanContext): string {
  return checkArchiveDir(ctx.node, req.params.path, ctx.pathType);
}

export function planPrepareArchiveDir(
  req: OperationRequestOf<'prepare-archive-dir'>,
  ctx: PlanContext,
): PlanParts {
  const path = archiveDirFor(req, ctx);
  const name = ctx.node.name;
  return {
    steps: [
      commandStep(name, `Create the WAL archive directory ${path}`, ['mkdir', '-p', '--', path]),
      commandStep(name, `Let only the node user read and write ${path}`, ['chmod', '700', '--', path]),
    ],
    notes: [],
  };
}
