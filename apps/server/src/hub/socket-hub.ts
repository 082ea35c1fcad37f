import {
  type ClientToServerEvents,
  type ServerToClientEvents,
  type SubscribeAck,
  subscribeMessageSchema,
} from '@walboard/shared/events';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { Server } from 'socket.io';
import type { ClusterMonitor } from '../monitor/cluster-monitor.ts';

declare module 'fastify' {
  interface FastifyInstance {
    io: Server<ClientToServerEvents, ServerToClientEvents>;
  }
}

const room = (cluster: string) => `cluster:${cluster}`;

/**
 * socket.io bound to Fastify's HTTP server: one room per cluster, a snapshot on subscribe, then
 * each node's status as the monitor reports it. Viewers never cause polls.
 */
export const socketHub = fp(
  async (app: FastifyInstance, opts: { monitor: ClusterMonitor }) => {
    const io = new Server<ClientToServerEvents, ServerToClientEvents>(app.server, {
      serveClient: false,
      // Same-origin only: a page from another site must not open a live feed with our cookies.
      allowRequest: (req, cb) => {
        const origin = req.headers.origin;
        if (!origin) return cb(null, true);
        try {
          cb(null, new URL(origin).host === req.headers.host);
        } catch {
          cb(null, false);
        }
      },
    });
    app.decorate('io', io);

    const off = opts.monitor.onStatus((status) => {
      io.to(room(status.cluster)).emit('node:status', status);
    });

    io.on('connection', (socket) => {
      socket.on('subscribe', (msg, ack) => {
        const reply: (r: SubscribeAck) => void = typeof ack === 'function' ? ack : () => {};
        const parsed = subscribeMessageSchema.safeParse(msg);
        if (!parsed.success) {
          reply({
            ok: false,
            error: 'WB_ERR_BAD_MESSAGE',
            message: `subscribe: ${parsed.error.issues[0]?.message}`,
          });
          return;
        }
        const snapshot = opts.monitor.snapshot(parsed.data.cluster);
        if (!snapshot) {
          reply({
            ok: false,
            error: 'WB_ERR_NO_CLUSTER',
            message: `no cluster named "${parsed.data.cluster}"`,
          });
          return;
        }
        void socket.join(room(parsed.data.cluster));
        reply({ ok: true });
        socket.emit('cluster:snapshot', snapshot);
      });
      socket.on('unsubscribe', (msg) => {
        const parsed = subscribeMessageSchema.safeParse(msg);
        if (parsed.success) void socket.leave(room(parsed.data.cluster));
      });
    });

    app.addHook('onClose', async () => {
      off();
      await io.close();
    });
  },
  { name: 'walboard-socket-hub' },
);
