import type { ExecStep, PlanContext } from '../plan-types.ts';
import { PlanRefusal } from '../plan-types.ts';

/** What a single-node planner returns: its steps and what the page should know. */
export interface PlanParts {
  steps: ExecStep[];
  notes: string[];
}

export function needRunning(ctx: PlanContext, what: string): void {
  if (!ctx.running)
    throw new PlanRefusal(
      ctx.node.name,
      `${ctx.node.name} is not running, so it cannot ${what}: start it first`,
    );
}

export function needSlots(ctx: PlanContext): void {
  if (ctx.caps && !ctx.caps.hasReplicationSlots)
    throw new PlanRefusal(
      ctx.node.name,
      `PostgreSQL ${ctx.caps.major} on ${ctx.node.name} has no replication slots (they arrived in 9.4)`,
    );
}
