import { z } from 'zod';

export const errorBodySchema = z.strictObject({
  error: z.string(),
  message: z.string(),
  node: z.string().optional(),
});
export type ErrorBody = z.infer<typeof errorBodySchema>;

export const healthSchema = z.strictObject({ ok: z.boolean(), version: z.string() });
export type Health = z.infer<typeof healthSchema>;

export const clusterSummarySchema = z.strictObject({
  name: z.string(),
  nodes: z.array(z.strictObject({ name: z.string(), transport: z.enum(['ssh', 'local']), host: z.string() })),
});
export const clusterListSchema = z.array(clusterSummarySchema);
export type ClusterSummary = z.infer<typeof clusterSummarySchema>;
