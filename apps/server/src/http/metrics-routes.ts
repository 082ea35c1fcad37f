import { apiRoutes } from '@walboard/shared/api-routes';
import type { ClusterSnapshot, NodeStatus, ReplicationLink, Role } from '@walboard/shared/status';
import type { FastifyInstance } from 'fastify';
import { canSeeCluster, requireActor } from '../auth/actor.ts';
import type { ClusterMonitor } from '../monitor/cluster-monitor.ts';
import { serveRoute } from './openapi-route.ts';

export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

type Labels = Readonly<Record<string, string>>;

interface Family {
  name: string;
  help: string;
  type: 'gauge' | 'counter';
  samples: { labels: Labels; value: number }[];
}

/** Label values per the text exposition format: backslash, double quote and newline escaped. */
export function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function escapeHelp(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Number.POSITIVE_INFINITY) return '+Inf';
  if (v === Number.NEGATIVE_INFINITY) return '-Inf';
  return String(v);
}

function renderFamily(f: Family): string {
  const lines = [`# HELP ${f.name} ${escapeHelp(f.help)}`, `# TYPE ${f.name} ${f.type}`];
  for (const s of f.samples) {
    const labels = Object.entries(s.labels)
      .map(([k, v]) => `${k}="${escapeLabelValue(v)}"`)
      .join(',');
    lines.push(`${f.name}{${labels}} ${formatValue(s.value)}`);
  }
  return lines.join('\n');
}

const ROLES: readonly Role[] = ['primary', 'standby', 'unknown'];

/** The families walboard exports, named like postgres_exporter's where one exists, prefixed `walboard_`. */
function makeFamilies() {
  const f = (name: string, type: Family['type'], help: string): Family => ({
    name: `walboard_${name}`,
    type,
    help,
    samples: [],
  });
  return {
    up: f('up', 'gauge', "Whether walboard reaches the node's PostgreSQL (1) or not (0)."),
    sshUp: f(
      'ssh_up',
      'gauge',
      "Whether walboard's ssh connection to the node is up (absent for local nodes).",
    ),
    role: f('role', 'gauge', "The node's observed role: 1 for the current one, 0 for the others."),
    inRecovery: f('is_in_recovery', 'gauge', 'pg_is_in_recovery(): 1 on a standby, 0 on a primary.'),
    timeline: f('timeline', 'gauge', 'The timeline the node is on (increases at every promotion).'),
    lagBytes: f(
      'replication_lag_bytes',
      'gauge',
      'Bytes of WAL the standby has not replayed yet: primary current LSN - standby replay LSN.',
    ),
    lagSeconds: f(
      'replication_lag_seconds',
      'gauge',
      'Replay lag in seconds; 0 when the standby has replayed everything (an idle primary shows no lag).',
    ),
    streaming: f(
      'replication_streaming',
      'gauge',
      'Whether the standby streams from the primary now (1) or not (0).',
    ),
    archived: f('archiver_archived_count', 'counter', 'pg_stat_archiver.archived_count: WAL files archived.'),
    failed: f(
      'archiver_failed_count',
      'counter',
      'pg_stat_archiver.failed_count: failed archive_command runs.',
    ),
    failing: f(
      'archiver_failing',
      'gauge',
      'The last archive_command failure is newer than the last success: WAL is piling up (1) or not (0).',
    ),
    ready: f(
      'archive_ready_files',
      'gauge',
      'WAL segments waiting to be archived (.ready files in archive_status).',
    ),
    senders: f('wal_senders', 'gauge', 'Rows in pg_stat_replication: WAL senders running on the node.'),
  };
}
type Families = ReturnType<typeof makeFamilies>;

function addNode(all: Families, n: NodeStatus): void {
  const id = { cluster: n.cluster, node: n.node };
  const pgUp = n.reachability.pg === 'up';
  all.up.samples.push({ labels: id, value: pgUp ? 1 : 0 });
  if (n.reachability.ssh !== null) {
    all.sshUp.samples.push({ labels: id, value: n.reachability.ssh === 'up' ? 1 : 0 });
  }
  for (const role of ROLES)
    all.role.samples.push({ labels: { ...id, role }, value: n.role === role ? 1 : 0 });
  // What PostgreSQL reports is only exported while it answers: a stale number would look current.
  if (!pgUp) return;
  if (n.role !== 'unknown') all.inRecovery.samples.push({ labels: id, value: n.role === 'standby' ? 1 : 0 });
  if (n.timeline !== null) all.timeline.samples.push({ labels: id, value: n.timeline });
  all.senders.samples.push({ labels: id, value: n.senders.length });
  if (n.archiver) {
    all.archived.samples.push({ labels: id, value: n.archiver.archivedCount });
    all.failed.samples.push({ labels: id, value: n.archiver.failedCount });
    all.failing.samples.push({ labels: id, value: n.archiver.failing ? 1 : 0 });
  }
  if (n.readyFiles !== null) all.ready.samples.push({ labels: id, value: n.readyFiles });
}

function addLinks(all: Families, cluster: string, links: readonly ReplicationLink[]): void {
  // Two series with the same labels would make Prometheus reject the whole scrape.
  const seen = new Set<string>();
  for (const link of links) {
    if (link.standby === null && link.state === 'backup') continue; // pg_basebackup, not a standby
    const base = link.standby ?? link.applicationName ?? link.clientAddr;
    if (!base) continue;
    let standby = base;
    if (seen.has(`${link.primary}\0${standby}`) && link.clientAddr) standby = `${base} (${link.clientAddr})`;
    if (seen.has(`${link.primary}\0${standby}`)) continue;
    seen.add(`${link.primary}\0${standby}`);
    const labels = { cluster, primary: link.primary, standby };
    all.streaming.samples.push({ labels, value: link.streaming ? 1 : 0 });
    if (link.lag.replayBytes !== null) all.lagBytes.samples.push({ labels, value: link.lag.replayBytes });
    if (link.lag.replaySeconds !== null)
      all.lagSeconds.samples.push({ labels, value: link.lag.replaySeconds });
  }
}

/**
 * The Prometheus text exposition (0.0.4) of these snapshots. Built from the monitor's snapshots
 * only: a scrape never queries a node, whatever the number of scrapers.
 */
export function renderMetrics(snapshots: readonly ClusterSnapshot[]): string {
  const all = makeFamilies();
  for (const snap of snapshots) {
    for (const n of snap.nodes) addNode(all, n);
    addLinks(all, snap.cluster, snap.links);
  }
  return `${Object.values(all).map(renderFamily).join('\n')}\n`;
}

/** `GET /metrics` (register under /api): every cluster's latest snapshot, for Prometheus. */
export async function metricsRoutes(
  app: FastifyInstance,
  deps: { monitor: ClusterMonitor; clusters: readonly string[] },
): Promise<void> {
  serveRoute(app, apiRoutes.metrics, async (req, reply) => {
    // A user limited to some clusters scrapes only those.
    const actor = requireActor(req);
    const visible = deps.clusters.filter((c) => canSeeCluster(actor, c));
    const snapshots = visible.flatMap((c) => deps.monitor.snapshot(c) ?? []);
    return reply.type(PROMETHEUS_CONTENT_TYPE).send(renderMetrics(snapshots));
  });
}
