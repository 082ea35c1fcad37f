// Before any schema below is built: zod probes `new Function` when a schema is made (CSP).
import './zod-jitless.ts';
import { z } from 'zod';
import { nameSchema } from './config.ts';

/** Who may do what: viewers see, operators also run operations, admins also manage users and host keys. */
export const userRoleSchema = z.enum(['viewer', 'operator', 'admin']);
export type UserRole = z.infer<typeof userRoleSchema>;

const RANK: Record<UserRole, number> = { viewer: 0, operator: 1, admin: 2 };
/** true when `role` is at least `needed` (viewer < operator < admin). */
export const roleAtLeast = (role: UserRole, needed: UserRole): boolean => RANK[role] >= RANK[needed];

/** The session cookie (httpOnly, SameSite=Strict; Secure over TLS) and the CSRF header every mutation carries. */
export const SESSION_COOKIE = 'walboard_session';
export const CSRF_HEADER = 'x-csrf-token';
/** Set on every successful sign-in (httpOnly, SameSite=Strict, path /api/session): this browser signed in before. */
export const DEVICE_COOKIE = 'walboard_device';

/** A login name: same allowlist as node names (it reaches the audit log and the page). */
export const usernameSchema = nameSchema;

/** New passwords: long enough to resist guessing; bounded so hashing cannot be used to exhaust the CPU. */
export const newPasswordSchema = z
  .string()
  .min(12, 'must be at least 12 characters')
  .max(1024, 'must be at most 1024 characters');

/** `POST /api/session` */
export const loginBodySchema = z.strictObject({
  username: z.string().min(1).max(63),
  password: z.string().min(1).max(1024),
});
export type LoginBody = z.infer<typeof loginBodySchema>;

/** Clusters a user may see: null means every cluster. */
export const clusterAccessSchema = z.array(nameSchema).nullable();

/** `GET /api/session` and the answer to a login: who is signed in, and the CSRF token for mutations. */
export const sessionInfoSchema = z.strictObject({
  username: z.string(),
  role: userRoleSchema,
  clusters: clusterAccessSchema,
  csrfToken: z.string(),
  /** true when the embedded lab signed this browser in without a password (127.0.0.1 only). */
  autoLogin: z.boolean(),
  expiresAt: z.string(),
});
export type SessionInfo = z.infer<typeof sessionInfoSchema>;

/** A user as the admin page lists it: never a password hash. */
export const userSchema = z.strictObject({
  username: z.string(),
  role: userRoleSchema,
  clusters: clusterAccessSchema,
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type User = z.infer<typeof userSchema>;
export const userListSchema = z.array(userSchema);

/** `POST /api/users` (admin) */
export const createUserBodySchema = z.strictObject({
  username: usernameSchema,
  password: newPasswordSchema,
  role: userRoleSchema,
  clusters: clusterAccessSchema.default(null),
});
export type CreateUserBody = z.infer<typeof createUserBodySchema>;

/** `PATCH /api/users/:username` (admin): any of role, password, clusters. */
/** `POST /api/session/link`: the embedded lab's one-time sign-in token, from the printed URL. */
export const labLinkBodySchema = z.strictObject({ token: z.string().min(1).max(256) });
export type LabLinkBody = z.infer<typeof labLinkBodySchema>;

export const updateUserBodySchema = z
  .strictObject({
    role: userRoleSchema.optional(),
    password: newPasswordSchema.optional(),
    clusters: clusterAccessSchema.optional(),
  })
  .refine((b) => Object.keys(b).length > 0, 'give at least one of role, password, clusters');
export type UpdateUserBody = z.infer<typeof updateUserBodySchema>;
