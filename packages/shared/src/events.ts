import { z } from 'zod';
import { nameSchema } from './config.ts';
import type { ClusterSnapshot, NodeStatus } from './status.ts';

/** Client → server messages, each checked against its schema on arrival. */
export const subscribeMessageSchema = z.strictObject({ cluster: nameSchema });
export type SubscribeMessage = z.infer<typeof subscribeMessageSchema>;

export type SubscribeAck = { ok: true } | { ok: false; error: string; message: string };

/** The one map of socket events: server and web import these, nothing re-declares a payload. */
export interface ServerToClientEvents {
  'cluster:snapshot': (snapshot: ClusterSnapshot) => void;
  'node:status': (status: NodeStatus) => void;
}

export interface ClientToServerEvents {
  subscribe: (msg: SubscribeMessage, ack: (res: SubscribeAck) => void) => void;
  unsubscribe: (msg: SubscribeMessage) => void;
}
