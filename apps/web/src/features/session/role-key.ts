import type { UserRole } from '@walboard/shared/auth';
import type { MessageKey } from '../../i18n/catalog.ts';

/** The catalog key of a role's display name. */
export function roleKey(role: UserRole): MessageKey {
  return `session.role.${role}` as const;
}
