import type { OperationRequestOf } from '@walboard/shared/operations';
import type { PlanContext } from '../plan-types.ts';
import { sqlStep } from '../step-builders.ts';
import { needRunning, needSlots, type PlanParts } from './single-node-parts.ts';

/** create-slot and drop-slot: one statement each, the slot name bound as $1. */

export function planCreateSlot(req: OperationRequestOf<'create-slot'>, ctx: PlanContext): PlanParts {
  needRunning(ctx, 'create a replication slot');
  needSlots(ctx);
  return {
    steps: [
      sqlStep(
        ctx.node.name,
        `Create physical replication slot ${req.params.slotName}`,
        'SELECT pg_create_physical_replication_slot($1)',
        [req.params.slotName],
      ),
    ],
    notes: [],
  };
}

export function planDropSlot(req: OperationRequestOf<'drop-slot'>, ctx: PlanContext): PlanParts {
  needRunning(ctx, 'drop a replication slot');
  needSlots(ctx);
  return {
    steps: [
      sqlStep(
        ctx.node.name,
        `Drop replication slot ${req.params.slotName}`,
        'SELECT pg_drop_replication_slot($1)',
        [req.params.slotName],
      ),
    ],
    notes: [],
  };
}
