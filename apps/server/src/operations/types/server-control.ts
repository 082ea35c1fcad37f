import type { OperationRequestOf } from '@walboard/shared/operations';
import type { PgCtlTarget } from '../../postgres/pg-ctl.ts';
import { reloadStep } from '../plan-settings.ts';
import type { PlanContext } from '../plan-types.ts';
import { pgCtlStep } from '../step-builders.ts';
import { needRunning, type PlanParts } from './single-node-parts.ts';

/** start, stop, restart and reload: pg_ctl (or pg_reload_conf) on one node. */

export function pgCtlTarget(ctx: PlanContext): PgCtlTarget {
  const pgc = ctx.node.postgres;
  return { binDir: pgc.binDir, dataDir: pgc.dataDir, logFile: pgc.logFile, configFile: pgc.configFile };
}

export function planStart(_req: OperationRequestOf<'start'>, ctx: PlanContext): PlanParts {
  const name = ctx.node.name;
  if (ctx.running) return { steps: [], notes: [`${name} is already running: nothing to do.`] };
  return { steps: [pgCtlStep(name, pgCtlTarget(ctx), 'start', `Start PostgreSQL on ${name}`)], notes: [] };
}

export function planStop(req: OperationRequestOf<'stop'>, ctx: PlanContext): PlanParts {
  const name = ctx.node.name;
  if (!ctx.running) return { steps: [], notes: [`${name} is not running: nothing to do.`] };
  return {
    steps: [
      pgCtlStep(name, pgCtlTarget(ctx), 'stop', `Stop PostgreSQL on ${name} (${req.params.mode} mode)`, [
        '-m',
        req.params.mode,
      ]),
    ],
    notes: [],
  };
}

export function planRestart(req: OperationRequestOf<'restart'>, ctx: PlanContext): PlanParts {
  const name = ctx.node.name;
  return {
    steps: [
      pgCtlStep(
        name,
        pgCtlTarget(ctx),
        'restart',
        `Restart PostgreSQL on ${name} (${req.params.mode} mode)`,
        ['-m', req.params.mode],
      ),
    ],
    notes: [],
  };
}

export function planReload(_req: OperationRequestOf<'reload'>, ctx: PlanContext): PlanParts {
  needRunning(ctx, 'reload its configuration');
  return { steps: [reloadStep(ctx)], notes: [] };
}
