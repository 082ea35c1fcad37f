// Prometheus text from the monitor's snapshot of a real lab (two local PostgreSQL servers),
// parsed line by line the way a scraper would.
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { type ClusterSnapshot, type ReplicationLink, replicationLinkSchema } from '@walboard/shared/status';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../app.ts';
import { type SignedIn, signInInject, withTestAdmin } from '../auth/test-support/sign-in.ts';
import { createOrReuseLab, type Lab } from '../lab/create-lab.ts';
import { freePort } from '../nodes/test-support/sshd-fixture.ts';
import { escapeLabelValue, PROMETHEUS_CONTENT_TYPE, renderMetrics } from './metrics-routes.ts';

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)"/y;

/** A strict reader of the 0.0.4 text format: throws on any line a scraper would reject. */
function parseExposition(text: string): {
  help: Map<string, string>;
  type: Map<string, string>;
  samples: Sample[];
} {
  const help = new Map<string, string>();
  const type = new Map<string, string>();
  const samples: Sample[] = [];
  const seen = new Set<string>();
  expect(text.endsWith('\n')).toBe(true);
  for (const line of text.slice(0, -1).split('\n')) {
    const meta = /^# (HELP|TYPE) (\S+) (.*)$/.exec(line);
    if (meta) {
      const [, kind, name = '', rest = ''] = meta;
      expect(name).toMatch(NAME);
      if (kind === 'HELP') help.set(name, rest);
      else {
        expect(['gauge', 'counter']).toContain(rest);
        expect(help.has(name), `HELP before TYPE for ${name}`).toBe(true);
        type.set(name, rest);
      }
      continue;
    }
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)\{(.*)\} (\S+)$/.exec(line);
    if (!m) throw new Error(`not a sample line: ${JSON.stringify(line)}`);
    const [, name = '', body = '', raw = ''] = m;
    expect(type.has(name), `TYPE before the samples of ${name}`).toBe(true);
    const labels: Record<string, string> = {};
    LABEL.lastIndex = 0;
    let pos = 0;
    while (pos < body.length) {
      LABEL.lastIndex = pos;
      const l = LABEL.exec(body);
      if (!l) throw new Error(`bad labels in ${JSON.stringify(line)} at ${pos}`);
      labels[l[1] ?? ''] = (l[2] ?? '').replace(/\\(["\\n])/g, (_, c: string) => (c === 'n' ? '\n' : c));
      pos = LABEL.lastIndex;
      if (body[pos] === ',') pos++;
    }
    const value = Number(raw);
    expect(Number.isNaN(value), line).toBe(false);
    const key = `${name}${JSON.stringify(Object.entries(labels).sort())}`;
    expect(seen.has(key), `duplicate series ${line}`).toBe(false);
    seen.add(key);
    samples.push({ name, labels, value });
  }
  return { help, type, samples };
}

function sampleValue(samples: Sample[], name: string, labels: Record<string, string>): number | undefined {
  const hit = samples.filter(
    (s) =>
      s.name === name &&
      Object.keys(s.labels).length === Object.keys(labels).length &&
      Object.entries(labels).every(([k, v]) => s.labels[k] === v),
  );
  expect(hit.length, `${name} ${JSON.stringify(labels)}`).toBeLessThanOrEqual(1);
  return hit[0]?.value;
}

function link(
  patch: Partial<Omit<ReplicationLink, 'lag'>> & { lag?: Partial<ReplicationLink['lag']> },
): ReplicationLink {
  return replicationLinkSchema.parse({
    primary: 'node1',
    standby: 'node2',
    applicationName: 'node2',
    clientAddr: '127.0.0.1',
    streaming: true,
    archiveShipping: true,
    state: 'streaming',
    ...patch,
    lag: { replayBytes: 8192, flushBytes: 0, replaySeconds: 0.042, secondsSource: 'sender', ...patch.lag },
  });
}

describe('GET /api/metrics', () => {
  let dir: string;
  let lab: Lab;
  let app: FastifyInstance;
  let snapshot: ClusterSnapshot;
  let admin: SignedIn;

  beforeAll(async () => {
    // Under /var/tmp, not /tmp: as root the servers run as another user, who must reach the folder.
    dir = await mkdtemp('/var/tmp/walboard-metrics-test-');
    await chmod(dir, 0o755);
    lab = await createOrReuseLab({ dir: join(dir, 'lab'), ports: [await freePort(), await freePort()] });
    app = await buildApp({ config: lab.config, env: withTestAdmin(lab.env), webDist: '/nonexistent' });
    const bothUp = new Promise<void>((resolve) => {
      const up = new Set<string>();
      const off = app.monitor.bus.on('status', (s) => {
        if (s.reachability.pg === 'up') up.add(s.node);
        if (up.size === 2) {
          off();
          resolve();
        }
      });
    });
    await app.ready();
    admin = await signInInject(app);
    await bothUp;
    const snap = app.monitor.snapshot('lab');
    if (!snap) throw new Error('the lab cluster has no snapshot');
    snapshot = snap;
  }, 120_000);

  afterAll(async () => {
    await app?.close();
    await lab?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('serves the text format with HELP and TYPE for every family and the lab nodes as they are', async () => {
    const res = await app.inject({ method: 'GET', url: '/api/metrics', headers: { cookie: admin.cookie } });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe(PROMETHEUS_CONTENT_TYPE);
    const { help, type, samples } = parseExposition(res.body);

    expect([...type.keys()]).toEqual(
      [
        'up',
        'ssh_up',
        'role',
        'is_in_recovery',
        'timeline',
        'replication_lag_bytes',
        'replication_lag_seconds',
        'replication_streaming',
        'archiver_archived_count',
        'archiver_failed_count',
        'archiver_failing',
        'archive_ready_files',
        'wal_senders',
      ].map((n) => `walboard_${n}`),
    );
    expect(type.get('walboard_archiver_archived_count')).toBe('counter');
    expect(type.get('walboard_up')).toBe('gauge');
    for (const [name, text] of help) expect(text.length, name).toBeGreaterThan(10);

    // What PostgreSQL itself says, asked directly, is what the scrape says.
    for (const s of app.sessions) {
      const id = { cluster: 'lab', node: s.name };
      const [row] = await s.query<{ archived: string; failed: string; tli: number; rec: boolean }>(
        `SELECT archived_count::text AS archived, failed_count::text AS failed,
                (SELECT timeline_id FROM pg_control_checkpoint()) AS tli, pg_is_in_recovery() AS rec
         FROM pg_stat_archiver`,
      );
      expect(sampleValue(samples, 'walboard_up', id)).toBe(1);
      expect(sampleValue(samples, 'walboard_role', { ...id, role: 'primary' })).toBe(1);
      expect(sampleValue(samples, 'walboard_role', { ...id, role: 'standby' })).toBe(0);
      expect(sampleValue(samples, 'walboard_role', { ...id, role: 'unknown' })).toBe(0);
      expect(sampleValue(samples, 'walboard_is_in_recovery', id)).toBe(row?.rec ? 1 : 0);
      expect(sampleValue(samples, 'walboard_timeline', id)).toBe(row?.tli);
      expect(sampleValue(samples, 'walboard_wal_senders', id)).toBe(0);
      expect(sampleValue(samples, 'walboard_archiver_archived_count', id)).toBe(Number(row?.archived));
      expect(sampleValue(samples, 'walboard_archiver_failed_count', id)).toBe(Number(row?.failed));
      expect(sampleValue(samples, 'walboard_archiver_failing', id)).toBe(0);
      // Local nodes have no ssh link: no ssh_up series rather than a made-up value.
      expect(sampleValue(samples, 'walboard_ssh_up', id)).toBeUndefined();
    }
    // The lab's starting point: two primaries, no replication yet.
    expect(samples.filter((s) => s.name.startsWith('walboard_replication_'))).toEqual([]);
  });

  it('exports each link once, escapes label values, and leaves out what is unknown or not a standby', () => {
    const text = renderMetrics([
      {
        ...snapshot,
        links: [
          link({}),
          // application_name is chosen by the client: quotes, backslashes and newlines must not break the format.
          link({
            standby: null,
            applicationName: 'we"ird\\app\nname',
            clientAddr: '10.1.2.3',
            archiveShipping: false,
          }),
          link({
            standby: null,
            applicationName: 'we"ird\\app\nname',
            clientAddr: '10.1.2.4',
            lag: { replayBytes: 7 },
          }),
          link({ standby: null, applicationName: 'pg_basebackup', state: 'backup' }),
          link({
            standby: 'node3',
            applicationName: null,
            streaming: false,
            state: null,
            lag: { replayBytes: null, replaySeconds: null, secondsSource: 'unknown' },
          }),
        ],
      },
    ]);
    expect(text).toContain('standby="we\\"ird\\\\app\\nname"');
    const { samples } = parseExposition(text);
    const at = (standby: string) => ({ cluster: 'lab', primary: 'node1', standby });
    expect(sampleValue(samples, 'walboard_replication_lag_bytes', at('node2'))).toBe(8192);
    expect(sampleValue(samples, 'walboard_replication_lag_seconds', at('node2'))).toBe(0.042);
    expect(sampleValue(samples, 'walboard_replication_streaming', at('node2'))).toBe(1);
    expect(sampleValue(samples, 'walboard_replication_lag_bytes', at('we"ird\\app\nname'))).toBe(8192);
    // Same application_name from another address: its own series, never a duplicate.
    expect(sampleValue(samples, 'walboard_replication_lag_bytes', at('we"ird\\app\nname (10.1.2.4)'))).toBe(
      7,
    );
    expect(samples.some((s) => s.labels.standby === 'pg_basebackup')).toBe(false);
    // Unknown lag is absent, not 0: 0 would claim the standby is caught up.
    expect(sampleValue(samples, 'walboard_replication_lag_bytes', at('node3'))).toBeUndefined();
    expect(sampleValue(samples, 'walboard_replication_streaming', at('node3'))).toBe(0);
  });

  it('drops what PostgreSQL reports once a node is unreachable, keeping up=0 and its role', () => {
    const [n1, ...rest] = snapshot.nodes;
    if (!n1) throw new Error('no node1 in the snapshot');
    const down = {
      ...n1,
      reachability: { ssh: 'down' as const, pg: 'down' as const, reason: 'ssh: timed out' },
    };
    const { samples } = parseExposition(renderMetrics([{ ...snapshot, nodes: [down, ...rest] }]));
    const id = { cluster: 'lab', node: 'node1' };
    expect(sampleValue(samples, 'walboard_up', id)).toBe(0);
    expect(sampleValue(samples, 'walboard_ssh_up', id)).toBe(0);
    expect(sampleValue(samples, 'walboard_timeline', id)).toBeUndefined();
    expect(sampleValue(samples, 'walboard_archiver_archived_count', id)).toBeUndefined();
    expect(sampleValue(samples, 'walboard_up', { cluster: 'lab', node: 'node2' })).toBe(1);
  });

  it('escapes label values per the exposition format', () => {
    expect(escapeLabelValue('a\\b"c\nd')).toBe('a\\\\b\\"c\\nd');
    expect(escapeLabelValue('plain-name_1.2')).toBe('plain-name_1.2');
  });
});
