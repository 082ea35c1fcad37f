import type { OperationType } from '@walboard/shared/operations';
import type { OperationDefinition } from './operation-module.ts';
import { baseBackupOperation } from './types/base-backup.ts';
import { cleanArchiveOperation } from './types/clean-archive.ts';
import { configurePrimaryOperation } from './types/configure-primary.ts';
import { configureStandbyOperation } from './types/configure-standby.ts';
import { linkNodesOperation } from './types/link-nodes.ts';
import { preflightOperation } from './types/preflight.ts';
import { promoteOperation } from './types/promote.ts';
import { setupReplicationOperation } from './types/setup-replication.ts';
import { singleNodeOperations } from './types/single-node.ts';
import { switchoverOperation } from './types/switchover.ts';

/**
 * Every operation type and the module that plans it: the one table the runner reads. The route
 * and the fuzz test read the request schema (packages/shared), the page its OPERATION_TYPES —
 * a test checks the three agree.
 */
const ALL: OperationDefinition[] = [
  ...singleNodeOperations,
  preflightOperation,
  linkNodesOperation,
  configurePrimaryOperation,
  baseBackupOperation,
  configureStandbyOperation,
  promoteOperation,
  cleanArchiveOperation,
  setupReplicationOperation,
  switchoverOperation,
];

const BY_TYPE = new Map<OperationType, OperationDefinition>(ALL.map((d) => [d.type, d]));

export function operationDefinition(type: OperationType): OperationDefinition {
  const d = BY_TYPE.get(type);
  if (!d) throw new Error(`no operation module for type ${type}`);
  return d;
}

export function registeredTypes(): OperationType[] {
  return [...BY_TYPE.keys()];
}
