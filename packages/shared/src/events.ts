// Before any schema below is built: zod probes `new Function` when a schema is made (CSP).
import './zod-jitless.ts';
import { z } from 'zod';
import type { Alert } from './alerts.ts';
import { nameSchema } from './config.ts';
import type { LabProgress } from './guide.ts';
import type { Operation } from './operations.ts';
import type { ArchiveEntry, ClusterSnapshot, LogLine, NodeStatus, ReplicationLink } from './status.ts';

/** Client → server messages, each checked against its schema on arrival. */
export const subscribeMessageSchema = z.strictObject({ cluster: nameSchema });
export type SubscribeMessage = z.infer<typeof subscribeMessageSchema>;

/** Logs are followed per node: a burst on one node reaches only the viewers who asked for it. */
export const logSubscribeMessageSchema = z.strictObject({ cluster: nameSchema, node: nameSchema });
export type LogSubscribeMessage = z.infer<typeof logSubscribeMessageSchema>;

export interface LogLinesEvent {
  cluster: string;
  node: string;
  lines: LogLine[];
  /** Lines the controller had to drop for this viewer so far (bounded buffers), shown on the page. */
  dropped: number;
}

export interface ArchiveChangedEvent {
  cluster: string;
  node: string;
  added: ArchiveEntry[];
  removed: string[];
  /** false when the directory does not exist (yet). */
  exists: boolean;
  /** Older files left out of the listing past the watcher's cap (see ArchiveListing.omitted). */
  omitted?: number;
}

export interface LinksEvent {
  cluster: string;
  links: ReplicationLink[];
}

export type SubscribeAck = { ok: true } | { ok: false; error: string; message: string };

/** The one map of socket events: server and web import these, nothing re-declares a payload. */
export interface ServerToClientEvents {
  'cluster:snapshot': (snapshot: ClusterSnapshot) => void;
  'node:status': (status: NodeStatus) => void;
  'cluster:links': (event: LinksEvent) => void;
  'archive:changed': (event: ArchiveChangedEvent) => void;
  /** Sent on log:subscribe with the ring buffer's lines, then in batches (~100 ms). */
  'log:lines': (event: LogLinesEvent) => void;
  /** The whole operation (steps, output so far) each time it changes, to the cluster's room. */
  'operation:event': (operation: Operation) => void;
  /** The guided lab's progress of the cluster, whole, each time a step's run or check changes. */
  'lab:progress': (progress: LabProgress) => void;
  /** An alert fired or resolved (the whole alert, shaped by alertSchema), to its cluster's room. */
  'alert:event': (alert: Alert) => void;
  /** The session ended (logout, expiry, user removed): the page goes back to the login form. */
  'session:ended': (event: { reason: string }) => void;
}

export interface ClientToServerEvents {
  subscribe: (msg: SubscribeMessage, ack: (res: SubscribeAck) => void) => void;
  unsubscribe: (msg: SubscribeMessage) => void;
  'log:subscribe': (msg: LogSubscribeMessage, ack: (res: SubscribeAck) => void) => void;
  'log:unsubscribe': (msg: LogSubscribeMessage) => void;
}
