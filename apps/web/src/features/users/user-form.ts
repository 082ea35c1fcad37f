import {
  type CreateUserBody,
  createUserBodySchema,
  newPasswordSchema,
  type UserRole,
  userRoleSchema,
} from '@walboard/shared/auth';
import type { MessageKey } from '../../i18n/catalog.ts';

export type UserField = 'username' | 'password' | 'role' | 'clusters';

/** What to say under a field the shared schema refused. */
export const fieldErrorKey: Record<UserField, MessageKey> = {
  username: 'users.error.username',
  password: 'users.error.password',
  role: 'users.error.role',
  clusters: 'users.error.clusters',
};

export interface NewUserInput {
  username: string;
  password: string;
  role: string;
  /** As typed: cluster names separated by commas; empty means every cluster. */
  clusters: string;
}

export type Validated<T> = { ok: true; body: T } | { ok: false; fields: UserField[] };

/** "a, b,,c" → ['a','b','c']; nothing → null (the server's "every cluster"). */
export function parseClusterList(text: string): string[] | null {
  const names = text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  return names.length === 0 ? null : [...new Set(names)];
}

const isField = (k: unknown): k is UserField =>
  k === 'username' || k === 'password' || k === 'role' || k === 'clusters';

/** Checks the create form with the same schema the server applies, and names the fields that fail. */
export function validateNewUser(input: NewUserInput): Validated<CreateUserBody> {
  const parsed = createUserBodySchema.safeParse({
    username: input.username.trim(),
    password: input.password,
    role: input.role,
    clusters: parseClusterList(input.clusters),
  });
  if (parsed.success) return { ok: true, body: parsed.data };
  const fields = new Set<UserField>();
  for (const issue of parsed.error.issues) {
    const top = issue.path[0];
    if (isField(top)) fields.add(top);
  }
  return { ok: false, fields: [...fields] };
}

/** A password for a reset: the server's rule for new passwords. */
export function newPasswordValid(password: string): boolean {
  return newPasswordSchema.safeParse(password).success;
}

export const roles: readonly UserRole[] = userRoleSchema.options;
