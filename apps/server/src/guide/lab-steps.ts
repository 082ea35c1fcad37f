import { LAB_STEP_IDS, type LabPair, type LabStepId } from '@walboard/shared/guide';
import { type OperationRequest, operationRequestSchema } from '@walboard/shared/operations';

/**
 * Each stage of the lab is one of walboard's own operations, planned and run like any other: the
 * Lab view adds why, the then-and-now forms, and a Check — never a second copy of the commands.
 */
export function stepRequest(id: LabStepId, pair: LabPair): OperationRequest {
  const { primary: p, standby: s } = pair;
  const raw = ((): unknown => {
    switch (id) {
      case 'prepare':
        return { type: 'preflight', node: p, params: { standbys: [s] } };
      case 'link':
        return { type: 'link-nodes', node: p, params: { standbys: [s] } };
      case 'shipping':
        return { type: 'configure-primary', node: p, params: { standbys: [s] } };
      case 'base-backup':
        // The guide's own way: backup start, a file copy, backup stop (pg_basebackup is the other method).
        return { type: 'base-backup', node: s, params: { from: p, method: 'lab' } };
      case 'standby-config':
        return { type: 'configure-standby', node: s, params: { primary: p } };
      case 'start':
        return { type: 'start', node: s };
      case 'promote':
        // The guide promotes because the primary "died": walboard makes that true by stopping it
        // first, so the promotion can never leave two primaries taking writes.
        return { type: 'promote', node: s, params: { fence: 'stop-old-primary' } };
      case 'after-promotion':
        return { type: 'clean-archive', node: s };
    }
  })();
  return operationRequestSchema.parse(raw);
}

export function stepRequests(pair: LabPair): { id: LabStepId; request: OperationRequest }[] {
  return LAB_STEP_IDS.map((id) => ({ id, request: stepRequest(id, pair) }));
}

/** The lab's nodes when nobody chose: the first two of the cluster, in walboard.yaml order. */
export function defaultPair(nodes: readonly string[]): LabPair | null {
  const [primary, standby] = nodes;
  return primary && standby ? { primary, standby } : null;
}
