// Before any schema below is built: zod probes `new Function` when a schema is made (CSP).
import './zod-jitless.ts';
import { z } from 'zod';
import { alertKindSchema } from './config.ts';

/**
 * One alert: a rule's condition on one node (or one cluster, for operation-failed) that held long
 * enough to fire. It stays `firing` while the condition lasts and becomes `resolved` once it ends.
 */
export const alertSchema = z.strictObject({
  /** Unique per firing: "<rule>/<cluster>/<node>/<firedAt ms>". */
  id: z.string(),
  rule: z.string(),
  kind: alertKindSchema,
  status: z.enum(['firing', 'resolved']),
  cluster: z.string(),
  /** The node the condition is about; null for cluster-wide conditions (operation-failed). */
  node: z.string().nullable(),
  /** One English sentence, also the webhook's text. */
  summary: z.string(),
  /** The measured value: bytes or seconds of lag, the failed operation's type, … */
  value: z.union([z.number(), z.string()]).nullable(),
  /** When the condition began (before the for-window). */
  since: z.string(),
  firedAt: z.string(),
  resolvedAt: z.string().nullable(),
});
export type Alert = z.infer<typeof alertSchema>;

/** `GET /api/alerts` (viewer): firing alerts, and the most recent ones (resolved included), newest first. */
export const alertListSchema = z.strictObject({
  current: z.array(alertSchema),
  recent: z.array(alertSchema),
});
export type AlertList = z.infer<typeof alertListSchema>;

/**
 * What each webhook receives (POST, JSON). `text` makes it a valid Slack incoming-webhook message;
 * the other fields are for machines.
 */
export const alertWebhookBodySchema = z.strictObject({
  text: z.string(),
  status: z.enum(['firing', 'resolved']),
  id: z.string(),
  rule: z.string(),
  kind: alertKindSchema,
  cluster: z.string(),
  node: z.string().nullable(),
  summary: z.string(),
  value: z.union([z.number(), z.string()]).nullable(),
  since: z.string(),
  firedAt: z.string(),
  resolvedAt: z.string().nullable(),
  /** Always "walboard", for receivers that take messages from several tools. */
  source: z.literal('walboard'),
});
export type AlertWebhookBody = z.infer<typeof alertWebhookBodySchema>;
