// Before any schema below is built: zod probes `new Function` when a schema is made (CSP).
import './zod-jitless.ts';
import { z } from 'zod';

/** An LSN as PostgreSQL prints it ("16/B374D848"). Kept as text: exact, never a float. */
export const lsnSchema = z.string().regex(/^[0-9A-F]{1,8}\/[0-9A-F]{1,8}$/);

export const roleSchema = z.enum(['primary', 'standby', 'unknown']);
export type Role = z.infer<typeof roleSchema>;

export const reachabilitySchema = z.strictObject({
  /**
   * null for local nodes, which have no ssh link. 'not-answering': the link is not (yet) declared
   * dead by its keepalive, but a poll through its tunnel just timed out — nothing comes back on it.
   */
  ssh: z.enum(['up', 'not-answering', 'down']).nullable(),
  /**
   * 'shutting-down' / 'starting-up': the server answers, refusing connections because it is
   * stopping, or not yet ready (SQLSTATE 57P03). Neither can be queried.
   */
  pg: z.enum(['up', 'starting-up', 'shutting-down', 'down']),
  /** Why the node is not fully reachable, ready to show to a user. */
  reason: z.string().nullable(),
});

const isoTime = z.string();

/**
 * ssh nodes: whether the server's host key is pinned. `unknown`: no pin yet, not connected, the
 * offered fingerprint waits for an admin to compare and pin it. `mismatch`: the server offered
 * another key than the pinned one; walboard stopped connecting to it (red alarm).
 */
export const hostKeyStatusSchema = z.strictObject({
  state: z.enum(['pinned', 'unknown', 'mismatch']),
  pinned: z.string().nullable(),
  offered: z.string().nullable(),
  /** The key type the server offered, e.g. ssh-ed25519. */
  offeredType: z.string().nullable(),
});
export type HostKeyStatus = z.infer<typeof hostKeyStatusSchema>;

/** One row of pg_stat_replication on a primary: a standby (or pg_basebackup) streaming from it. */
export const walSenderSchema = z.strictObject({
  pid: z.number().int(),
  applicationName: z.string(),
  clientAddr: z.string().nullable(),
  state: z.string(),
  sentLsn: lsnSchema.nullable(),
  writeLsn: lsnSchema.nullable(),
  flushLsn: lsnSchema.nullable(),
  replayLsn: lsnSchema.nullable(),
  /** Milliseconds; null when PostgreSQL reports NULL (caught up and idle) or has no column (< 10). */
  writeLagMs: z.number().nullable(),
  flushLagMs: z.number().nullable(),
  replayLagMs: z.number().nullable(),
  syncState: z.string().nullable(),
  /** null before 12 (no reply_time column). */
  replyTime: isoTime.nullable(),
});
export type WalSender = z.infer<typeof walSenderSchema>;

/** pg_stat_wal_receiver on a standby (9.6+). */
export const walReceiverSchema = z.strictObject({
  pid: z.number().int().nullable(),
  status: z.string(),
  senderHost: z.string().nullable(),
  senderPort: z.number().int().nullable(),
  /** received_lsn (10–12) or flushed_lsn (13+): what the standby has safely on disk. */
  receivedLsn: lsnSchema.nullable(),
  receivedTli: z.number().int().nullable(),
  lastMsgSendTime: isoTime.nullable(),
  lastMsgReceiptTime: isoTime.nullable(),
  latestEndLsn: lsnSchema.nullable(),
  latestEndTime: isoTime.nullable(),
  slotName: z.string().nullable(),
});
export type WalReceiver = z.infer<typeof walReceiverSchema>;

/** pg_stat_archiver (9.4+), plus what walboard derives from it. */
export const archiverSchema = z.strictObject({
  archivedCount: z.number().int(),
  lastArchivedWal: z.string().nullable(),
  lastArchivedTime: isoTime.nullable(),
  failedCount: z.number().int(),
  lastFailedWal: z.string().nullable(),
  lastFailedTime: isoTime.nullable(),
  statsReset: isoTime.nullable(),
  /** The last failure is newer than the last success: WAL is piling up on the primary. */
  failing: z.boolean(),
  /** The archiver's own error line from the server log, when failing and found. */
  lastError: z.string().nullable(),
});
export type Archiver = z.infer<typeof archiverSchema>;

export const nodeStatusSchema = z.strictObject({
  cluster: z.string(),
  node: z.string(),
  transport: z.enum(['ssh', 'local']),
  host: z.string(),
  reachability: reachabilitySchema,
  /** ssh nodes only; absent for local nodes. */
  hostKey: hostKeyStatusSchema.optional(),
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
  /** Standby: pg_last_xact_replay_timestamp(), commit time of the last replayed transaction. */
  lastReplayTimestamp: isoTime.nullable(),
  /** Primary: one entry per WAL sender, from a single query. */
  senders: z.array(walSenderSchema),
  receiver: walReceiverSchema.nullable(),
  archiver: archiverSchema.nullable(),
  /** Primary: .ready files in pg_wal/archive_status (segments waiting to be archived). */
  readyFiles: z.number().int().nullable(),
  /** ISO time of the last observation (successful or not). */
  observedAt: z.string(),
});
export type NodeStatus = z.infer<typeof nodeStatusSchema>;

/**
 * Lag of one standby behind its primary. Bytes come from LSN differences; seconds are the age of
 * the oldest byte not replayed, from walboard's own timeline of the primary's LSN (or the sender's
 * replay_lag when the byte is older than that record) — and 0 when everything is replayed, so an
 * idle primary never shows growing lag.
 */
export const lagSchema = z.strictObject({
  /** primary current LSN − standby replay LSN (≥ 0); null when unknown. */
  replayBytes: z.number().nullable(),
  /** primary current LSN − sender flush LSN (what is not yet safe on the standby's disk). */
  flushBytes: z.number().nullable(),
  replaySeconds: z.number().nullable(),
  /** Where replaySeconds came from. */
  secondsSource: z.enum(['caught-up', 'wal-timeline', 'sender', 'unknown']),
});
export type Lag = z.infer<typeof lagSchema>;

/** An edge of the topology: primary → standby, by streaming (a WAL sender) and/or by the archive. */
export const replicationLinkSchema = z.strictObject({
  primary: z.string(),
  /** The configured node this sender serves, when walboard could match it; else null. */
  standby: z.string().nullable(),
  /** The sender's application_name / client address, to show unmatched senders too. */
  applicationName: z.string().nullable(),
  clientAddr: z.string().nullable(),
  streaming: z.boolean(),
  /** The standby restores from an archive the primary ships to (restore_command set). */
  archiveShipping: z.boolean(),
  state: z.string().nullable(),
  lag: lagSchema,
});
export type ReplicationLink = z.infer<typeof replicationLinkSchema>;

export const clusterSnapshotSchema = z.strictObject({
  cluster: z.string(),
  nodes: z.array(nodeStatusSchema),
  links: z.array(replicationLinkSchema),
});
export type ClusterSnapshot = z.infer<typeof clusterSnapshotSchema>;

/**
 * One entry of a node's archive directory listing. Names are data: shown, never run. 'arriving' is
 * rsync's temporary copy of a file on its way in (".<name>.XXXXXX"): not yet a file of the archive.
 */
export const archiveEntrySchema = z.strictObject({
  name: z.string(),
  kind: z.enum(['segment', 'history', 'backup', 'partial', 'arriving', 'other']),
  size: z.number(),
  mtime: isoTime,
});
export type ArchiveEntry = z.infer<typeof archiveEntrySchema>;

export const archiveListingSchema = z.strictObject({
  cluster: z.string(),
  node: z.string(),
  dir: z.string(),
  /** false when the directory does not exist (yet). */
  exists: z.boolean(),
  entries: z.array(archiveEntrySchema),
  /** Older files left out because the directory holds more than the watcher's cap; 0 or absent when none. */
  omitted: z.number().int().nonnegative().optional(),
});
export type ArchiveListing = z.infer<typeof archiveListingSchema>;

export const logLevelSchema = z.enum([
  'DEBUG',
  'LOG',
  'INFO',
  'NOTICE',
  'WARNING',
  'ERROR',
  'FATAL',
  'PANIC',
  'OTHER',
]);
export type LogLevel = z.infer<typeof logLevelSchema>;

/** One server log line, as text (never HTML), with a sequence number to keep order and count gaps. */
export const logLineSchema = z.strictObject({
  seq: z.number().int(),
  text: z.string(),
  level: logLevelSchema,
});
export type LogLine = z.infer<typeof logLineSchema>;

/** A point of lag history (downsampled), for the lag chart. */
export const lagPointSchema = z.strictObject({
  /** ms since the epoch */
  t: z.number(),
  replayBytes: z.number().nullable(),
  replaySeconds: z.number().nullable(),
});
export type LagPoint = z.infer<typeof lagPointSchema>;
