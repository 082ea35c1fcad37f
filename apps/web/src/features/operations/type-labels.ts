import type { OperationType } from '@walboard/shared/operations';
import { OPERATION_TYPES } from '@walboard/shared/operations';
import type { MessageKey } from '../../i18n/catalog.ts';

/** Each operation type's name in the page's language. */
export const typeLabel: Record<OperationType, MessageKey> = {
  start: 'operations.type.start',
  stop: 'operations.type.stop',
  restart: 'operations.type.restart',
  reload: 'operations.type.reload',
  'create-slot': 'operations.type.create-slot',
  'drop-slot': 'operations.type.drop-slot',
  'prepare-archive-dir': 'operations.type.prepare-archive-dir',
  'set-settings': 'operations.type.set-settings',
  'set-standby-source': 'operations.type.set-standby-source',
};

/** The label key of a type read from the server (a string there); null for a type this page does not know. */
export function labelKeyOf(type: string): MessageKey | null {
  return (OPERATION_TYPES as readonly string[]).includes(type) ? typeLabel[type as OperationType] : null;
}
