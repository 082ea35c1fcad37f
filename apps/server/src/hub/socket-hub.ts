import {
  type ClientToServerEvents,
  logSubscribeMessageSchema,
  type ServerToClientEvents,
  type SubscribeAck,
  subscribeMessageSchema,
} from '@walboard/shared/events';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { Server } from 'socket.io';
import type { ClusterMonitor } from '../monitor/cluster-monitor.ts';
import type { LogHistory } from '../monitor/monitor-bus.ts';

declare module 'fastify' {
  interface FastifyInstance {
    io: Server<ClientToServerEvents, ServerToClientEvents>;
  }
}

const room = (cluster: string) => `cluster:${cluster}`;
const logRoom = (cluster: string, node: string) => `logs:${cluster}/${node}`;

/**
 * socket.io bound to Fastify's HTTP server: one room per cluster, a snapshot on subscribe, then
 * each node's status as the monitor reports it. Viewers never cause polls.
 */
export const socketHub = fp(
  async (app: FastifyInstance, opts: { monitor: ClusterMonitor; logs?: LogHistory }) => {
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

    const bus = opts.monitor.bus;
    const offs = [
      bus.on('status', (status) => io.to(room(status.cluster)).emit('node:status', status)),
      bus.on('links', (ev) => io.to(room(ev.cluster)).emit('cluster:links', ev)),
      bus.on('archive', (ev) => io.to(room(ev.cluster)).emit('archive:changed', ev)),
      bus.on('logLines', (ev) => io.to(logRoom(ev.cluster, ev.node)).emit('log:lines', ev)),
    ];

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
      socket.on('log:subscribe', (msg, ack) => {
        const reply: (r: SubscribeAck) => void = typeof ack === 'function' ? ack : () => {};
        const parsed = logSubscribeMessageSchema.safeParse(msg);
        if (!parsed.success) {
          reply({
            ok: false,
            error: 'WB_ERR_BAD_MESSAGE',
            message: `log:subscribe: ${parsed.error.issues[0]?.message}`,
          });
          return;
        }
        const { cluster, node } = parsed.data;
        const snap = opts.monitor.snapshot(cluster);
        if (!snap?.nodes.some((n) => n.node === node)) {
          reply({ ok: false, error: 'WB_ERR_NO_NODE', message: `no node "${node}" in cluster "${cluster}"` });
          return;
        }
        void socket.join(logRoom(cluster, node));
        reply({ ok: true });
        const recent = opts.logs?.recent(cluster, node);
        if (recent) socket.emit('log:lines', { cluster, node, lines: recent.lines, dropped: recent.dropped });
      });
      socket.on('log:unsubscribe', (msg) => {
        const parsed = logSubscribeMessageSchema.safeParse(msg);
        if (parsed.success) void socket.leave(logRoom(parsed.data.cluster, parsed.data.node));
      });
    });

    app.addHook('onClose', async () => {
      for (const off of offs) off();
      await io.close();
    });
  },
  { name: 'walboard-socket-hub' },
);
