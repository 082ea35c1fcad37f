// Before any schema below is built: zod probes `new Function` when a schema is made (CSP).
import './zod-jitless.ts';
import { z } from 'zod';

/** ok: done · refused: walboard said no (validation, role, lock, safety) · failed: tried and it broke. */
export const auditResultSchema = z.enum(['ok', 'refused', 'failed']);
export type AuditResult = z.infer<typeof auditResultSchema>;

/**
 * One mutation (or attempted one): who, when, from where, what, and how it ended. `detail` holds
 * the request's parameters with secrets removed; long strings are cut.
 */
export const auditEntrySchema = z.strictObject({
  id: z.number().int(),
  at: z.string(),
  /** null when nobody was signed in (a failed login names the attempted user in `detail`). */
  username: z.string().nullable(),
  /** The client's address as the controller saw it. */
  source: z.string(),
  /** e.g. login, logout, user.create, user.update, user.delete, hostkey.pin, hostkey.changed, operation.stop */
  action: z.string(),
  /** What it acted on: "cluster/node", a username, … */
  target: z.string().nullable(),
  detail: z.record(z.string(), z.unknown()),
  result: auditResultSchema,
  message: z.string(),
});
export type AuditEntry = z.infer<typeof auditEntrySchema>;

/** `GET /api/audit?limit=&before=&action=` (admin): newest first. */
export const auditQuerySchema = z.strictObject({
  limit: z.coerce.number().int().min(1).max(1000).default(200),
  /** Only entries with an id below this (paging back). */
  before: z.coerce.number().int().min(1).optional(),
  action: z
    .string()
    .regex(/^[a-z][a-z.-]{0,62}$/)
    .optional(),
});
export type AuditQuery = z.infer<typeof auditQuerySchema>;

export const auditListSchema = z.strictObject({ entries: z.array(auditEntrySchema) });
export type AuditList = z.infer<typeof auditListSchema>;
