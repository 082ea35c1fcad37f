import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { WalboardConfig } from '@walboard/shared/config';
import Fastify, { type FastifyInstance } from 'fastify';
import { apiRoutes } from './http/api-routes.ts';
import { installErrorHandler } from './http/errors.ts';
import { socketHub } from './hub/socket-hub.ts';
import { ClusterMonitor } from './monitor/cluster-monitor.ts';
import { MonitorBus } from './monitor/monitor-bus.ts';
import type { StatusPollerOptions } from './monitor/status-poller.ts';
import type { NodeSession } from './nodes/node-session.ts';
import { buildSessions } from './nodes/registry.ts';

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

  await app.register(socketHub, { monitor });
  await app.register(apiRoutes, { prefix: '/api', monitor, sessions, version: WALBOARD_VERSION });

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
  }
}
