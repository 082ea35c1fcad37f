import { SESSION_COOKIE } from '@walboard/shared/auth';
import {
  type ClientToServerEvents,
  logSubscribeMessageSchema,
  type ServerToClientEvents,
  type SubscribeAck,
  subscribeMessageSchema,
} from '@walboard/shared/events';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { Server, type Socket } from 'socket.io';
import { type Actor, canSeeCluster } from '../auth/actor.ts';
import { sameOrigin } from '../auth/origin.ts';
import type { Sessions } from '../auth/sessions.ts';
import type { ClusterMonitor } from '../monitor/cluster-monitor.ts';
import type { LogHistory } from '../monitor/monitor-bus.ts';
import { newestWithin, ReplayBudget } from '../monitor/replay-budget.ts';

declare module 'fastify' {
  interface FastifyInstance {
    io: Server<ClientToServerEvents, ServerToClientEvents>;
  }
}

const room = (cluster: string) => `cluster:${cluster}`;
const sessionRoom = (id: string) => `session:${id}`;

interface SocketData {
  sessionId: string;
}

type HubSocket = Socket<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;
const logRoom = (cluster: string, node: string) => `logs:${cluster}/${node}`;

/**
 * socket.io bound to Fastify's HTTP server: one room per cluster, a snapshot on subscribe, then
 * each node's status as the monitor reports it. Viewers never cause polls.
 */
export const socketHub = fp(
  async (
    app: FastifyInstance,
    opts: {
      monitor: ClusterMonitor;
      logs?: LogHistory;
      sessions: Sessions;
      /** Served over TLS: our page's origin is https://…, and only that one is let in. */
      secure: boolean;
      replays?: ReplayBudget;
    },
  ) => {
    const replays = opts.replays ?? new ReplayBudget();
    const sessionOf = (cookieHeader: string | undefined) =>
      opts.sessions.resolve(cookieHeader ? app.parseCookie(cookieHeader)[SESSION_COOKIE] : undefined);
    const io = new Server<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>(
      app.server,
      {
        serveClient: false,
        // The engine-level check runs before any namespace exists: every namespace is covered.
        // Same origin only: a page from another origin must not open a live feed with our cookie
        // (websockets are not covered by CORS). Same-origin polling GETs carry no Origin header.
        allowRequest: (req, cb) => {
          if (!sameOrigin(req.headers.origin, req.headers.host, opts.secure)) {
            return cb('forbidden origin', false);
          }
          if (!sessionOf(req.headers.cookie)) return cb('unauthorized', false);
          cb(null, true);
        },
      },
    );
    // allowRequest sees only handshakes; this sees every request and websocket upgrade too.
    io.engine.use(
      (
        req: { headers: Record<string, string | string[] | undefined> },
        _res: unknown,
        next: (err?: Error) => void,
      ) => {
        if (!sameOrigin(req.headers.origin, req.headers.host, opts.secure)) {
          return next(new Error('forbidden origin'));
        }
        next();
      },
    );
    io.use((socket, next) => {
      const session = sessionOf(socket.request.headers.cookie);
      if (!session) return next(new Error('unauthorized'));
      socket.data.sessionId = session.actor.sessionId;
      void socket.join(sessionRoom(session.actor.sessionId));
      next();
    });
    app.decorate('io', io);
    const offEnded = opts.sessions.onEnded((ids, reason) => {
      for (const id of ids) {
        io.to(sessionRoom(id)).emit('session:ended', { reason });
        io.in(sessionRoom(id)).disconnectSockets(true);
      }
    });
    /** Every message re-checks its session: a logout or removed user takes effect at once. */
    const actorOf = (socket: HubSocket): Actor | null => {
      const s = opts.sessions.resolveId(socket.data.sessionId);
      if (!s) {
        socket.emit('session:ended', { reason: 'expired' });
        socket.disconnect(true);
        return null;
      }
      return s.actor;
    };
    const forbidden = (cluster: string): SubscribeAck => ({
      ok: false,
      error: 'WB_ERR_FORBIDDEN',
      message: `you may not see cluster "${cluster}"`,
    });

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
        const actor = actorOf(socket);
        if (!actor) return;
        const parsed = subscribeMessageSchema.safeParse(msg);
        if (!parsed.success) {
          reply({
            ok: false,
            error: 'WB_ERR_BAD_MESSAGE',
            message: `subscribe: ${parsed.error.issues[0]?.message}`,
          });
          return;
        }
        if (!canSeeCluster(actor, parsed.data.cluster)) return reply(forbidden(parsed.data.cluster));
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
        const actor = actorOf(socket);
        if (!actor) return;
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
        if (!canSeeCluster(actor, cluster)) return reply(forbidden(cluster));
        const snap = opts.monitor.snapshot(cluster);
        if (!snap?.nodes.some((n) => n.node === node)) {
          reply({ ok: false, error: 'WB_ERR_NO_NODE', message: `no node "${node}" in cluster "${cluster}"` });
          return;
        }
        // Already following it: the lines keep coming; a second replay would only repeat them.
        if (socket.rooms.has(logRoom(cluster, node))) return reply({ ok: true });
        const wait = replays.take(socket.data.sessionId);
        if (wait > 0) {
          return reply({
            ok: false,
            error: 'WB_ERR_RATE_LIMITED',
            message: `too many log replays for this session: try again in ${wait} s`,
          });
        }
        void socket.join(logRoom(cluster, node));
        reply({ ok: true });
        const recent = opts.logs?.recent(cluster, node);
        if (recent) {
          const bounded = newestWithin(recent.lines);
          socket.emit('log:lines', {
            cluster,
            node,
            lines: bounded.lines,
            dropped: recent.dropped + bounded.cut,
          });
        }
      });
      socket.on('log:unsubscribe', (msg) => {
        const parsed = logSubscribeMessageSchema.safeParse(msg);
        if (parsed.success) void socket.leave(logRoom(parsed.data.cluster, parsed.data.node));
      });
    });

    app.addHook('onClose', async () => {
      offEnded();
      for (const off of offs) off();
      await io.close();
    });
  },
  { name: 'walboard-socket-hub' },
);
