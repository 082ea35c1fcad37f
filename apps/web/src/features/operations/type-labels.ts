import type { OperationType } from '@walboard/shared/operations';
import { OPERATION_TYPES } from '@walboard/shared/operations';
import type { MessageKey } from '../../i18n/catalog.ts';

/** Each operation type's name in the page's language. */
export const typeLabel: Record<OperationType, MessageKey> = {
  'setup-replication': 'operations.type.setup-replication',
  preflight: 'operations.type.preflight',
  'link-nodes': 'operations.type.link-nodes',
  'configure-primary': 'operations.type.configure-primary',
  'base-backup': 'operations.type.base-backup',
  'configure-standby': 'operations.type.configure-standby',
  promote: 'operations.type.promote',
  'clean-archive': 'operations.type.clean-archive',
  start: 'operations.type.start',
  stop: 'operations.type.stop',
  restart: 'operations.type.restart',
  reload: 'operations.type.reload',
  'create-slot': 'operations.type.create-slot',
  'drop-slot': 'operations.type.drop-slot',
  'prepare-archive-dir': 'operations.type.prepare-archive-dir',
  'set-settings': 'operations.type.set-settings',
  'set-standby-source': 'operations.type.set-standby-source',
  switchover: 'operations.type.switchover',
};

/** A type read from the server (a string there) as one this page knows, else null. */
export function knownType(type: string): OperationType | null {
  return OPERATION_TYPES.find((known) => known === type) ?? null;
}

/** The label key of a type read from the server; null for a type this page does not know. */
export function labelKeyOf(type: string): MessageKey | null {
  const known = knownType(type);
  return known ? typeLabel[known] : null;
}
