import type { OperationRequestOf, StopMode } from '@walboard/shared/operations';
import type { PgCtlTarget } from '../../postgres/pg-ctl.ts';
import { reloadStep } from '../plan-settings.ts';
import type { PlanContext } from '../plan-types.ts';
import { pgCtlStep } from '../step-builders.ts';
import { archiveStatusDir, shutdownNotes, shutdownRun, shutdownWaitSeconds } from './shutdown-step.ts';
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

/** A stop or restart: pg_ctl waiting as long as the archiving backlog needs, run by shutdownRun. */
function shutdownStep(action: 'stop' | 'restart', mode: StopMode, ctx: PlanContext): PlanParts {
  const name = ctx.node.name;
  const facts = ctx.shutdown ?? { readyFiles: null, otherClients: null };
  // Only a running server has a shutdown to wait for (a restart of a stopped one just starts it).
  const waitS = ctx.running && mode !== 'immediate' ? shutdownWaitSeconds(facts.readyFiles) : 60;
  const verb = action === 'stop' ? 'Stop' : 'Restart';
  const step = pgCtlStep(
    name,
    pgCtlTarget(ctx),
    action,
    `${verb} PostgreSQL on ${name} (${mode} mode)`,
    ['-m', mode],
    {},
    waitS,
  );
  step.run = shutdownRun(step, {
    mode,
    dataDir: ctx.node.postgres.dataDir,
    archiveStatus: archiveStatusDir(ctx, ctx.caps),
    readyFiles: facts.readyFiles,
  });
  return { steps: [step], notes: ctx.running ? shutdownNotes(name, mode, facts, waitS) : [] };
}

export function planStop(req: OperationRequestOf<'stop'>, ctx: PlanContext): PlanParts {
  const name = ctx.node.name;
  if (!ctx.running) return { steps: [], notes: [`${name} is not running: nothing to do.`] };
  return shutdownStep('stop', req.params.mode, ctx);
}

export function planRestart(req: OperationRequestOf<'restart'>, ctx: PlanContext): PlanParts {
  return shutdownStep('restart', req.params.mode, ctx);
}

export function planReload(_req: OperationRequestOf<'reload'>, ctx: PlanContext): PlanParts {
  needRunning(ctx, 'reload its configuration');
  return { steps: [reloadStep(ctx)], notes: [] };
}
