import { randomBytes } from 'node:crypto';
import { newPasswordSchema } from '@walboard/shared/auth';
import type { UserStore } from '../store/user-store.ts';
import { hashPassword } from './passwords.ts';

export const ADMIN_PASSWORD_ENV = 'WALBOARD_ADMIN_PASSWORD';
export const FIRST_ADMIN = 'admin';

/**
 * With no users yet, creates `admin`: its password comes from WALBOARD_ADMIN_PASSWORD, or is
 * generated and handed to `announce` once (printed at first start, never stored in clear).
 * Returns what happened, for the start-up message.
 */
export async function ensureFirstAdmin(
  users: UserStore,
  env: NodeJS.ProcessEnv,
  announce: (message: string) => void,
): Promise<'existing' | 'from-env' | 'generated'> {
  if (users.count() > 0) return 'existing';
  const fromEnv = env[ADMIN_PASSWORD_ENV];
  if (fromEnv !== undefined) {
    const ok = newPasswordSchema.safeParse(fromEnv);
    if (!ok.success) {
      throw new Error(
        `${ADMIN_PASSWORD_ENV} ${ok.error.issues[0]?.message}: choose a longer password for the first admin`,
      );
    }
    users.create({
      username: FIRST_ADMIN,
      role: 'admin',
      clusters: null,
      passwordHash: await hashPassword(fromEnv),
    });
    return 'from-env';
  }
  const password = randomBytes(18).toString('base64url');
  users.create({
    username: FIRST_ADMIN,
    role: 'admin',
    clusters: null,
    passwordHash: await hashPassword(password),
  });
  announce(
    `walboard: first start — sign in as "${FIRST_ADMIN}" with the one-time password ${password} and change it under Users. It is not shown again (set ${ADMIN_PASSWORD_ENV} to choose it instead).`,
  );
  return 'generated';
}

/** The embedded lab's admin: exists so the lab's browser can be signed in automatically. */
export async function ensureLabAdmin(users: UserStore, username: string): Promise<void> {
  if (users.get(username)) return;
  users.create({
    username,
    role: 'admin',
    clusters: null,
    // Nobody knows this password: the lab user signs in only through the one-time link printed at start.
    passwordHash: await hashPassword(randomBytes(24).toString('base64url')),
  });
}
