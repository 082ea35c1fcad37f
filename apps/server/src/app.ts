import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { WalboardConfig } from '@walboard/shared/config';
import Fastify, { type FastifyInstance } from 'fastify';
import { apiRoutes } from './http/api-routes.ts';
import { archiveRoutes } from './http/archive-routes.ts';
import { installErrorHandler } from './http/errors.ts';
import { historyRoutes } from './http/history-routes.ts';
import { logRoutes } from './http/log-routes.ts';
import { metricsRoutes } from './http/metrics-routes.ts';
import { socketHub } from './hub/socket-hub.ts';
import { ArchiveWatchers } from './monitor/archive-watcher.ts';
import { ClusterMonitor } from './monitor/cluster-monitor.ts';
import { LagHistoryRecorder } from './monitor/lag-history.ts';
import { LogTails } from './monitor/log-tails.ts';
import { MonitorBus } from './monitor/monitor-bus.ts';
import type { StatusPollerOptions } from './monitor/status-poller.ts';
import type { NodeSession } from './nodes/node-session.ts';
import { buildSessions } from './nodes/registry.ts';
import { openStore, type WalboardStore } from './store/database.ts';

export const WALBOARD_VERSION = '0.1.0';

export interface BuildAppOptions {
  config: WalboardConfig;
  /** Folder of the built page; defaults to apps/web/dist. Missing folder → API only. */
  webDist?: string;
  poller?: StatusPollerOptions;
  logger?: boolean;
  env?: NodeJS.ProcessEnv;
}

const defaultWebDist = resolve(dirname(fileURLToPath(import.meta.url)), '../../web/dist');

/** Builds the controller: sessions, monitor, hub, API and page. main.ts only listens and closes. */
export async function buildApp(opts: BuildAppOptions): Promise<FastifyInstance> {
  const app = Fastify({ logger: opts.logger ?? false });
  const webDist = opts.webDist ?? defaultWebDist;
  const servePage = existsSync(webDist);
  installErrorHandler(app, { pageFallback: servePage });

  const sessions: NodeSession[] = await buildSessions(opts.config, opts.env);
  // Watchers publish on the bus; the hub forwards. One watcher of each kind per node.
  const bus = new MonitorBus();
  const monitor = new ClusterMonitor(sessions, opts.poller, bus);
  app.decorate('monitor', monitor);
  app.decorate('sessions', sessions);

  // One `tail -F` per node with postgres.logFile; the hub sends its recent lines to new viewers.
  const logs = new LogTails(sessions, bus);
  await app.register(socketHub, { monitor, logs });
  await app.register(logRoutes, { prefix: '/api', logs, sessions });
  app.addHook('onReady', async () => logs.start());
  // preClose: the tails end while their transports are still open (onClose hooks run last-added
  // first, so the transports would already be closed), and no `tail -F` is left on a node.
  app.addHook('preClose', async () => logs.stop());
  await app.register(apiRoutes, { prefix: '/api', monitor, sessions, version: WALBOARD_VERSION });
  // One archive watcher per node with an archiveDir; it publishes 'archive' on the bus.
  const archive = new ArchiveWatchers(sessions, bus);
  app.decorate('archive', archive);
  await app.register(archiveRoutes, { prefix: '/api', archive });
  app.addHook('onReady', async () => archive.start());
  app.addHook('onClose', async () => archive.stop());
  // Lag history in <dataDir>/walboard.db: one write a second from the bus, whatever the viewers.
  const store = openStore(opts.config.dataDir);
  const lagHistory = new LagHistoryRecorder(bus, store.lag, {
    onError: (err) => app.log.error({ err }, `lag history not written to ${store.file}`),
  });
  app.decorate('store', store);
  await app.register(historyRoutes, { prefix: '/api', monitor, lag: store.lag });
  const clusterNames = opts.config.clusters.map((c) => c.name);
  await app.register(metricsRoutes, { prefix: '/api', monitor, clusters: clusterNames });
  app.addHook('onReady', async () => lagHistory.start());
  app.addHook('onClose', async () => {
    lagHistory.stop();
    store.close();
  });

  if (servePage) await app.register(fastifyStatic, { root: webDist, wildcard: false });

  app.addHook('onReady', async () => monitor.start());
  app.addHook('onClose', async () => {
    monitor.stop();
    await Promise.all(sessions.map((s) => s.close()));
    await Promise.all(sessions.map((s) => s.transport.close()));
  });
  return app;
}

declare module 'fastify' {
  interface FastifyInstance {
    monitor: ClusterMonitor;
    sessions: readonly NodeSession[];
    archive: ArchiveWatchers;
    store: WalboardStore;
  }
}
