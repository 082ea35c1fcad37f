import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyCookie from '@fastify/cookie';
import fastifyHelmet from '@fastify/helmet';
import fastifyStatic from '@fastify/static';
import type { ApiRouteDef } from '@walboard/shared/api-routes';
import type { UserRole } from '@walboard/shared/auth';
import { alertsConfigSchema, type WalboardConfig } from '@walboard/shared/config';
import type { LabResetResult } from '@walboard/shared/guide';
import Fastify, {
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyServerOptions,
  LogController,
} from 'fastify';
import { AlertsService } from './alerts/alerts-service.ts';
import { AuditLog } from './audit/audit-log.ts';
import { RefusalWindows } from './audit/refusal-window.ts';
import { pruneAudit, startAuditRetention } from './audit/retention.ts';
import { trustProxyOption } from './auth/actor.ts';
import { roleScope } from './auth/auth-hooks.ts';
import { Devices } from './auth/devices.ts';
import { ensureFirstAdmin, ensureLabAdmin } from './auth/first-admin.ts';
import { LabSignInLink } from './auth/lab-link.ts';
import { LoginLimiter } from './auth/login-limiter.ts';
import { Sessions } from './auth/sessions.ts';
import { LabGuide } from './guide/lab-guide.ts';
import { alertRoutes } from './http/alert-routes.ts';
import { apiRoutes, healthRoutes } from './http/api-routes.ts';
import { archiveRoutes } from './http/archive-routes.ts';
import { installErrorHandler } from './http/errors.ts';
import { historyRoutes } from './http/history-routes.ts';
import { hostKeyAdminRoutes, hostKeyReadRoutes } from './http/host-key-routes.ts';
import { labActionRoutes } from './http/lab-action-routes.ts';
import { type LabResetListener, labResetRoutes } from './http/lab-reset-routes.ts';
import { labReadRoutes, labWriteRoutes } from './http/lab-routes.ts';
import { logRoutes } from './http/log-routes.ts';
import { metricsRoutes } from './http/metrics-routes.ts';
import { openApiRoutes } from './http/openapi-routes.ts';
import { operationReadRoutes, operationWriteRoutes } from './http/operation-routes.ts';
import { sessionPublicRoutes, sessionRoutes } from './http/session-routes.ts';
import { thenAndNowRoutes } from './http/then-and-now-routes.ts';
import { adminRoutes } from './http/user-routes.ts';
import { socketHub } from './hub/socket-hub.ts';
import { tellConfigWarnings } from './logging/config-warnings.ts';
import { EventLog } from './logging/event-log.ts';
import { installRequestLog } from './logging/request-log.ts';
import { ArchiveWatchers } from './monitor/archive-watcher.ts';
import { ClusterMonitor } from './monitor/cluster-monitor.ts';
import { LagHistoryRecorder } from './monitor/lag-history.ts';
import { LogTails } from './monitor/log-tails.ts';
import { MonitorBus } from './monitor/monitor-bus.ts';
import { ReplayBudget } from './monitor/replay-budget.ts';
import type { StatusPollerOptions } from './monitor/status-poller.ts';
import { HostKeyGuard } from './nodes/host-key-guard.ts';
import type { NodeSession } from './nodes/node-session.ts';
import { buildSessions } from './nodes/registry.ts';
import { OperationRunner } from './operations/operation-runner.ts';
import { openStore, type WalboardStore } from './store/database.ts';
import { DeviceStore } from './store/device-store.ts';
import { HostKeyStore } from './store/host-key-store.ts';
import { LabProgressStore } from './store/lab-progress-store.ts';
import { OperationStore } from './store/operation-store.ts';
import { SessionStore } from './store/session-store.ts';
import { UserStore } from './store/user-store.ts';

/** A route as registered: what the route-walking tests read. */
export interface RouteTableEntry {
  method: string;
  url: string;
  /** The described route it serves (serveRoute), if any. */
  readonly api: ApiRouteDef | undefined;
  /** The least role of its scope (roleScope); undefined: public. */
  readonly access: UserRole | undefined;
}
/** No `alerts:` in walboard.yaml: no rules, no webhooks. */
const NO_ALERTS = alertsConfigSchema.parse({});

export const WALBOARD_VERSION = '0.1.0';
/** The embedded lab's admin, signed in automatically on 127.0.0.1. */
export const LAB_USER = 'lab';

export interface BuildAppOptions {
  config: WalboardConfig;
  /** The configuration file it was read from, named in messages (default "walboard.yaml"). */
  configFile?: string;
  /** Folder of the built page; defaults to apps/web/dist. Missing folder → API only. */
  webDist?: string;
  poller?: StatusPollerOptions;
  /** The lab's one-time sign-in token (tests choose it); random when not given. */
  labToken?: string;
  logger?: boolean | FastifyServerOptions['logger'];
  /** The controller's logger (serve.ts: logging/create-logger.ts); wins over `logger`. */
  loggerInstance?: FastifyBaseLogger;
  env?: NodeJS.ProcessEnv;
  /** Where the one-time first-admin password goes (default: stdout). */
  announce?: (message: string) => void;
  /** The embedded lab's reset (lab-main only): adds POST /api/lab/reset for admins. */
  labReset?: () => Promise<LabResetResult>;
}

// The built server (dist/app.js) carries its own copy of the page in dist/web (deployed without
// apps/web); run from src/ (a checkout), it serves apps/web/dist.
const defaultWebDist =
  [
    resolve(dirname(fileURLToPath(import.meta.url)), 'web'),
    resolve(dirname(fileURLToPath(import.meta.url)), '../../web/dist'),
  ].find((dir) => existsSync(join(dir, 'index.html'))) ??
  resolve(dirname(fileURLToPath(import.meta.url)), '../../web/dist');

function readTls(config: WalboardConfig): { key: Buffer; cert: Buffer } | null {
  if (!config.tls) return null;
  try {
    return { key: readFileSync(config.tls.keyFile), cert: readFileSync(config.tls.certFile) };
  } catch (err) {
    throw new Error(
      `cannot read the TLS certificate or key (${(err as Error).message}); check tls.certFile and tls.keyFile in walboard.yaml`,
    );
  }
}

/** Builds the controller: sessions, monitor, hub, API and page. main.ts only listens and closes. */
export async function buildApp(opts: BuildAppOptions): Promise<FastifyInstance> {
  const env = opts.env ?? process.env;
  const tls = readTls(opts.config);
  // Only these peers' X-Forwarded-For is read (req.ip); none listed, the header is ignored.
  const trustProxy = trustProxyOption(opts.config.trustProxy);
  // Fastify's own per-request lines are off: installRequestLog writes one at debug level instead.
  const logController = new LogController({ disableRequestLogging: true });
  const logging = opts.loggerInstance
    ? { loggerInstance: opts.loggerInstance, logController }
    : { logger: opts.logger ?? false, logController };
  const app = (tls
    ? Fastify({ ...logging, https: tls, trustProxy })
    : Fastify({ ...logging, trustProxy })) as unknown as FastifyInstance;
  installRequestLog(app);
  // Node up/down, operations, refused sign-ins: one line each, through this one object.
  const events = new EventLog(app.log);
  app.decorate('events', events);
  // Every route as registered, for the test that walks them all without a session.
  const routeTable: RouteTableEntry[] = [];
  app.decorate('routeTable', routeTable);
  app.addHook('onRoute', (r) => {
    // Read later: the scope's own onRoute hook (roleScope) sets config.access after this one runs.
    for (const method of [r.method].flat())
      routeTable.push({
        method,
        url: r.url,
        get api() {
          return r.config?.api;
        },
        get access() {
          return r.config?.access;
        },
      });
  });
  const webDist = opts.webDist ?? defaultWebDist;
  const servePage = existsSync(webDist);
  installErrorHandler(app, { pageFallback: servePage });
  // Only JSON bodies exist in this API; a text/plain body is refused before any route sees it.
  app.removeContentTypeParser('text/plain');
  await app.register(fastifyCookie);
  await app.register(fastifyHelmet, {
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        fontSrc: ["'self'"],
        connectSrc: ["'self'"],
        objectSrc: ["'none'"],
        baseUri: ["'none'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
        // Only over TLS: on plain http the browser would rewrite our own requests to https.
        ...(tls ? { upgradeInsecureRequests: [] } : {}),
      },
    },
    strictTransportSecurity: tls ? { maxAge: 15552000, includeSubDomains: false } : false,
  });

  // Store first: users, sessions and the audit log are needed by every scope.
  const store = openStore(opts.config.dataDir);
  app.decorate('store', store);
  const audit = new AuditLog(store.audit, (err) => app.log.error({ err }, 'audit entry not written'));
  app.decorate('audit', audit);
  const users = new UserStore(store.db);
  const sessionsStore = new SessionStore(store.db);
  const authSessions = new Sessions(users, sessionsStore, {
    idleMs: opts.config.auth.sessionIdleMinutes * 60_000,
  });
  app.decorate('authSessions', authSessions);
  const announce = opts.announce ?? ((m: string) => console.log(m));
  const lab = opts.config.auth.labAutoLogin;
  const labLink = lab ? new LabSignInLink(opts.labToken) : null;
  app.decorate('labLink', labLink);
  if (!lab || env.WALBOARD_ADMIN_PASSWORD !== undefined) await ensureFirstAdmin(users, env, announce);
  if (lab) await ensureLabAdmin(users, LAB_USER);
  const devices = new Devices(new DeviceStore(store.db));
  // Every second: a socket of a session that expired stops receiving within 1 s.
  const sweep = setInterval(() => authSessions.sweep(), 1000);
  const deviceSweep = setInterval(() => devices.sweep(), 10 * 60_000);
  deviceSweep.unref();
  sweep.unref();
  // Refused sign-ins under a limit: counted into one row per source per minute, not one row each.
  const refusals = new RefusalWindows(audit);
  // Audit retention: now, then hourly; stopped (with the refusal counts written) before the store closes.
  const retention = startAuditRetention(
    () => pruneAudit(store.audit, audit, opts.config.audit),
    (err) => app.log.error({ err }, `audit retention failed on ${store.file}`),
  );

  // Pins in the store win over walboard.yaml; they must be known before the transports dial.
  const hostKeys = new HostKeyStore(store.db);
  tellConfigWarnings(opts.config, env, (c, n) => hostKeys.get(c, n) !== null, events, opts.configFile);
  const sessions: NodeSession[] = await buildSessions(opts.config, env, {
    hostKeys,
    configFile: opts.configFile,
  });
  const hostKeyGuard = new HostKeyGuard(sessions, hostKeys, audit);
  app.addHook('onClose', async () => hostKeyGuard.close());
  // Watchers publish on the bus; the hub forwards. One watcher of each kind per node.
  const bus = new MonitorBus();
  const monitor = new ClusterMonitor(sessions, opts.poller, bus);
  bus.on('status', (s) => events.nodeStatus(s));
  app.decorate('monitor', monitor);
  app.decorate('sessions', sessions);

  // One `tail -F` per node with postgres.logFile; the hub sends its recent lines to new viewers.
  const logs = new LogTails(sessions, bus);
  const replays = new ReplayBudget();
  await app.register(socketHub, { monitor, logs, sessions: authSessions, secure: tls !== null, replays });
  app.addHook('onReady', async () => logs.start());
  // preClose: the tails end while their transports are still open (onClose hooks run last-added
  // first, so the transports would already be closed), and no `tail -F` is left on a node.
  app.addHook('preClose', async () => logs.stop());
  // One archive watcher per node with an archiveDir; it publishes 'archive' on the bus.
  const archive = new ArchiveWatchers(sessions, bus);
  app.decorate('archive', archive);
  app.addHook('onReady', async () => archive.start());
  app.addHook('onClose', async () => archive.stop());
  // Lag history in <dataDir>/walboard.db: one write a second from the bus, whatever the viewers.
  const lagHistory = new LagHistoryRecorder(bus, store.lag, {
    onError: (err) => app.log.error({ err }, `lag history not written to ${store.file}`),
  });
  const clusterNames = opts.config.clusters.map((c) => c.name);
  // Alerts: fed by the bus and the runner below; webhooks are sent in the background.
  const alerts = new AlertsService({
    config: opts.config.alerts ?? NO_ALERTS,
    env,
    bus,
    audit,
    publish: (alert) => app.io.to(`cluster:${alert.cluster}`).emit('alert:event', alert),
    events,
  });
  app.decorate('alerts', alerts);
  alerts.start();
  // Operations: one at a time per cluster; every change goes to the cluster's room.
  const runner = new OperationRunner({
    sessions,
    store: new OperationStore(store.db),
    audit,
    events,
    publish: (op) => {
      app.io.to(`cluster:${op.cluster}`).emit('operation:event', op);
      alerts.observeOperation(op);
    },
  });
  // The guided lab: each step an operation above, each Check read from live state; progress in the store.
  const guide = new LabGuide({
    store: new LabProgressStore(store.db),
    sessions,
    monitor,
    archive,
    runner,
    publish: (progress) => app.io.to(`cluster:${progress.cluster}`).emit('lab:progress', progress),
  });
  app.decorate('guide', guide);

  // Told after each lab reset (the guided lab's progress is cleared there).
  const labResetListeners: LabResetListener[] = [];
  app.decorate('onLabReset', (l: LabResetListener) => {
    labResetListeners.push(l);
  });
  // Two bare servers again: the guided lab starts over at its first step for everyone watching.
  labResetListeners.push(() => {
    for (const c of clusterNames) {
      try {
        guide.restart(c);
      } catch (err) {
        app.log.error({ err }, `the lab progress of ${c} was not reset`);
      }
    }
  });

  // Access is decided here, by the scope a route is registered in. Public: health, sign-in.
  const scopeDeps = { sessions: authSessions, audit, secure: tls !== null };
  const sessionDeps = {
    sessions: authSessions,
    users,
    limiter: new LoginLimiter(),
    devices,
    audit,
    refusals,
    events,
    secure: tls !== null,
    labAutoLogin: labLink ? { username: LAB_USER, link: labLink } : null,
  };
  await app.register(
    async (pub) => {
      await pub.register(healthRoutes, { version: WALBOARD_VERSION, labReset: opts.labReset !== undefined });
      await pub.register(sessionPublicRoutes, sessionDeps);
    },
    { prefix: '/api' },
  );
  await app.register(
    roleScope('viewer', scopeDeps, async (viewer) => {
      await viewer.register(sessionRoutes, sessionDeps);
      await viewer.register(apiRoutes, { monitor, sessions });
      await viewer.register(logRoutes, { logs, sessions, replays });
      await viewer.register(archiveRoutes, { archive });
      await viewer.register(historyRoutes, { monitor, lag: store.lag });
      await viewer.register(hostKeyReadRoutes, { guard: hostKeyGuard });
      await viewer.register(operationReadRoutes, { runner, audit });
      await viewer.register(labReadRoutes, { guide, audit });
      await viewer.register(thenAndNowRoutes, { monitor, sessions });
      await viewer.register(openApiRoutes, { version: WALBOARD_VERSION });
      await viewer.register(alertRoutes, { alerts });
    }),
    { prefix: '/api' },
  );
  await app.register(
    roleScope('operator', scopeDeps, async (operator) => {
      await operator.register(operationWriteRoutes, { runner, audit });
      await operator.register(labWriteRoutes, { guide, audit });
      await operator.register(labActionRoutes, { sessions, audit });
    }),
    { prefix: '/api' },
  );
  // Metrics: a session, or the scraper's bearer token when auth.metricsTokenEnv names one.
  const metricsTokenEnv = opts.config.auth.metricsTokenEnv;
  const metricsToken = metricsTokenEnv ? env[metricsTokenEnv] : undefined;
  if (metricsTokenEnv && !metricsToken) {
    throw new Error(
      `auth.metricsTokenEnv names ${metricsTokenEnv}, but that environment variable is not set: set it to the token your Prometheus sends`,
    );
  }
  await app.register(
    roleScope('viewer', { ...scopeDeps, bearerToken: metricsToken }, async (scraper) => {
      await scraper.register(metricsRoutes, { monitor, clusters: clusterNames });
    }),
    { prefix: '/api' },
  );
  await app.register(
    roleScope('admin', scopeDeps, async (admin) => {
      await admin.register(adminRoutes, { users, sessions: authSessions, audit, auditStore: store.audit });
      await admin.register(hostKeyAdminRoutes, { guard: hostKeyGuard, audit });
      if (opts.labReset)
        await admin.register(labResetRoutes, {
          reset: opts.labReset,
          runner,
          clusters: clusterNames,
          audit,
          listeners: labResetListeners,
        });
    }),
    { prefix: '/api' },
  );

  app.addHook('onReady', async () => lagHistory.start());
  app.addHook('onClose', async () => {
    clearInterval(sweep);
    clearInterval(deviceSweep);
    retention.stop();
    refusals.close();
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
  // Added last, so run first among onClose hooks: no alert is audited into a closed store.
  app.addHook('onClose', async () => alerts.close());
  return app;
}

declare module 'fastify' {
  interface FastifyInstance {
    monitor: ClusterMonitor;
    sessions: readonly NodeSession[];
    archive: ArchiveWatchers;
    /** The guided lab's progress per cluster (the lab reset starts it over). */
    guide: LabGuide;
    store: WalboardStore;
    /** Alert rules of walboard.yaml: firing and recent alerts, webhooks. */
    alerts: AlertsService;
    audit: AuditLog;
    /** The log's events (node up/down, operations, refused sign-ins). */
    events: EventLog;
    authSessions: Sessions;
    /** The embedded lab's one-time sign-in link; null elsewhere. */
    labLink: LabSignInLink | null;
    routeTable: readonly RouteTableEntry[];
    /** Adds a listener called after every successful lab reset (embedded lab only). */
    onLabReset: (listener: LabResetListener) => void;
  }
}
