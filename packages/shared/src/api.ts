// Before any schema below is built: zod probes `new Function` when a schema is made (CSP).
import './zod-jitless.ts';
import { z } from 'zod';
import { hostKeyFingerprintSchema } from './config.ts';
import { hostKeyStatusSchema, lagPointSchema, logLineSchema } from './status.ts';

export const errorBodySchema = z.strictObject({
  error: z.string(),
  message: z.string(),
  node: z.string().optional(),
});
export type ErrorBody = z.infer<typeof errorBodySchema>;

export const healthSchema = z.strictObject({
  ok: z.boolean(),
  version: z.string(),
  /** Present (true) only on the embedded lab, whose admins may reset it (POST /api/lab/reset). */
  labReset: z.literal(true).optional(),
});
export type Health = z.infer<typeof healthSchema>;

export const clusterSummarySchema = z.strictObject({
  name: z.string(),
  nodes: z.array(z.strictObject({ name: z.string(), transport: z.enum(['ssh', 'local']), host: z.string() })),
});
export const clusterListSchema = z.array(clusterSummarySchema);
export type ClusterSummary = z.infer<typeof clusterSummarySchema>;

/** `GET /clusters/:c/nodes/:n/log?lines=N`: how many of the recent lines (the server keeps 2,000). */
export const nodeLogQuerySchema = z.object({
  lines: z.coerce.number().int().min(1).max(2000).default(200),
});
export type NodeLogQuery = z.infer<typeof nodeLogQuerySchema>;

/** The recent lines of a node's server log, oldest first; `dropped` counts lines lost to bursts. */
export const nodeLogSchema = z.strictObject({
  cluster: z.string(),
  node: z.string(),
  lines: z.array(logLineSchema),
  dropped: z.number().int().min(0),
});
export type NodeLog = z.infer<typeof nodeLogSchema>;

/** The lag chart's windows; each is kept in the store at its own resolution (1 s, 10 s, 1 min). */
export const lagRangeSchema = z.enum(['15m', '1h', '24h']);
export type LagRange = z.infer<typeof lagRangeSchema>;

/** `GET /api/clusters/:cluster/lag-history?standby=&range=` */
export const lagHistoryQuerySchema = z.strictObject({
  /** A configured standby's name, or an unmatched sender's application_name (≤ 63 bytes in PostgreSQL). */
  standby: z.string().min(1).max(128),
  range: lagRangeSchema.default('15m'),
});
export type LagHistoryQuery = z.infer<typeof lagHistoryQuerySchema>;

export const lagHistorySchema = z.strictObject({
  cluster: z.string(),
  standby: z.string(),
  range: lagRangeSchema,
  /** Oldest first. One point per 1 s (15m), max of each 10 s (1h) or 1 min (24h) bucket. */
  points: z.array(lagPointSchema),
});
export type LagHistory = z.infer<typeof lagHistorySchema>;

/**
 * `PUT /api/clusters/:c/nodes/:n/host-key` (admin): pin the fingerprint the admin compared with
 * the server's. Refused unless it is the key the server offers right now.
 */
export const pinHostKeyBodySchema = z.strictObject({ fingerprint: hostKeyFingerprintSchema });
export type PinHostKeyBody = z.infer<typeof pinHostKeyBodySchema>;

/** `GET /api/clusters/:c/host-keys` (viewer): each ssh node's host key state, no secret in it. */
export const hostKeyListSchema = z.strictObject({
  nodes: z.array(z.strictObject({ node: z.string(), host: z.string(), hostKey: hostKeyStatusSchema })),
});
export type HostKeyList = z.infer<typeof hostKeyListSchema>;
