import { z } from 'zod';

/** An LSN as PostgreSQL prints it ("16/B374D848"). Kept as text: exact, never a float. */
export const lsnSchema = z.string().regex(/^[0-9A-F]{1,8}\/[0-9A-F]{1,8}$/);

export const roleSchema = z.enum(['primary', 'standby', 'unknown']);
export type Role = z.infer<typeof roleSchema>;

export const reachabilitySchema = z.strictObject({
  /** null for local nodes, which have no ssh link. */
  ssh: z.enum(['up', 'down']).nullable(),
  pg: z.enum(['up', 'down']),
  /** Why the node is not fully reachable, ready to show to a user. */
  reason: z.string().nullable(),
});

export const nodeStatusSchema = z.strictObject({
  cluster: z.string(),
  node: z.string(),
  transport: z.enum(['ssh', 'local']),
  host: z.string(),
  reachability: reachabilitySchema,
  role: roleSchema,
  /** server_version, e.g. "15.18 (Debian 15.18-0+deb12u1)". */
  version: z.string().nullable(),
  versionNum: z.number().int().nullable(),
  timeline: z.number().int().nullable(),
  /** Primary: pg_current_wal_lsn(). */
  currentLsn: lsnSchema.nullable(),
  /** Standby: pg_last_wal_receive_lsn(). */
  receiveLsn: lsnSchema.nullable(),
  /** Standby: pg_last_wal_replay_lsn(). */
  replayLsn: lsnSchema.nullable(),
  /** ISO time of the last observation (successful or not). */
  observedAt: z.string(),
});
export type NodeStatus = z.infer<typeof nodeStatusSchema>;

export const clusterSnapshotSchema = z.strictObject({
  cluster: z.string(),
  nodes: z.array(nodeStatusSchema),
});
export type ClusterSnapshot = z.infer<typeof clusterSnapshotSchema>;
