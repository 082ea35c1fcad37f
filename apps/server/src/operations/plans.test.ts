import { type NodeConfig, nodeSchema } from '@walboard/shared/config';
import { type OperationRequest, operationRequestSchema } from '@walboard/shared/operations';
import { describe, expect, it } from 'vitest';
import { capabilitiesFor } from '../postgres/capabilities.ts';
import { settingsFilesToRead as filesToRead } from './plan-settings.ts';
import { type FileSnapshot, type PlanContext, PlanRefusal } from './plan-types.ts';
import { isSingleNode, planSingleNode } from './types/single-node.ts';

/** Plans a single-node request from a hand-written PlanContext, as the runner does after reading the node. */
function buildPlan(r: OperationRequest, c: PlanContext) {
  if (!isSingleNode(r.type)) throw new Error(`${r.type} is not a single-node operation`);
  return planSingleNode(
    r as OperationRequest & { type: typeof r.type & Parameters<typeof planSingleNode>[0]['type'] },
    c,
  );
}

const node: NodeConfig = nodeSchema.parse({
  name: 'db1',
  transport: 'local',
  postgres: {
    binDir: '/usr/lib/postgresql/15/bin',
    dataDir: '/var/lib/pg/data',
    configFile: '/etc/pg/postgresql.conf',
    logFile: '/var/log/pg.log',
  },
  archiveDir: '/srv/wal_archive',
}) as NodeConfig;
const NOW = new Date('2025-03-04T05:06:07.089Z');
const CONF = "# conf\nport = 5432\ncluster_name = 'old'\n";

function ctx(over: Partial<PlanContext> = {}, files: Record<string, string | null> = {}): PlanContext {
  const f = new Map<string, FileSnapshot | null>();
  const all = {
    '/etc/pg/postgresql.conf': CONF,
    '/var/lib/pg/data/postgresql.auto.conf': '# auto\n',
    ...files,
  };
  for (const [k, v] of Object.entries(all)) f.set(k, v === null ? null : { text: v, mode: 0o600 });
  return { cluster: 'c1', node, caps: capabilitiesFor(150004), running: true, files: f, now: NOW, ...over };
}
const req = (body: object): OperationRequest => operationRequestSchema.parse({ node: 'db1', ...body });

describe('command plans: fixed argv templates', () => {
  it('start / stop / restart are pg_ctl from binDir with fixed flags; the mode has its own slot', () => {
    const start = buildPlan(req({ type: 'start' }), ctx({ running: false })).plan;
    expect(start.destructive).toBe(false);
    expect(start.steps.map((s) => s.argv)).toEqual([
      [
        '/usr/lib/postgresql/15/bin/pg_ctl',
        'start',
        '-D',
        '/var/lib/pg/data',
        '-l',
        '/var/log/pg.log',
        '-o',
        '-c config_file=/etc/pg/postgresql.conf',
        '-w',
        '-t',
        '60',
      ],
    ]);
    const stop = buildPlan(req({ type: 'stop', params: { mode: 'immediate' } }), ctx()).plan;
    expect(stop.destructive).toBe(true);
    expect(stop.steps[0]?.argv).toEqual([
      '/usr/lib/postgresql/15/bin/pg_ctl',
      'stop',
      '-D',
      '/var/lib/pg/data',
      '-w',
      '-t',
      '60',
      '-m',
      'immediate',
    ]);
    const restart = buildPlan(req({ type: 'restart' }), ctx()).plan;
    expect(restart.destructive).toBe(true);
    expect(restart.steps[0]?.argv?.slice(0, 2)).toEqual(['/usr/lib/postgresql/15/bin/pg_ctl', 'restart']);
    expect(restart.steps[0]?.argv?.slice(-2)).toEqual(['-m', 'fast']);
  });

  it('a fast stop with WAL still to archive says how many segments wait and waits for them, not a fixed 60 s', () => {
    const plan = buildPlan(
      req({ type: 'stop', params: { mode: 'fast' } }),
      ctx({ shutdown: { readyFiles: 45, otherClients: null } }),
    ).plan;
    expect(plan.steps[0]?.argv?.slice(4, 7)).toEqual(['-w', '-t', '150']);
    expect(plan.notes?.join('\n')).toMatch(
      /db1 has 45 WAL segments waiting to be archived \(\.ready files\).*up to 150 s/,
    );
    // Nothing to archive: pg_ctl's usual minute, and no note about it.
    const calm = buildPlan(
      req({ type: 'stop' }),
      ctx({ shutdown: { readyFiles: 0, otherClients: null } }),
    ).plan;
    expect(calm.steps[0]?.argv?.slice(4, 7)).toEqual(['-w', '-t', '60']);
    expect(calm.notes ?? []).toEqual([]);
    // A huge backlog is capped at an hour.
    const huge = buildPlan(
      req({ type: 'restart' }),
      ctx({ shutdown: { readyFiles: 100_000, otherClients: null } }),
    );
    expect(huge.plan.steps[0]?.argv).toContain('3600');
  });

  it('a smart stop says walboard lets go of its own sessions, and names the other clients it would wait for', () => {
    const plan = buildPlan(
      req({ type: 'stop', params: { mode: 'smart' } }),
      ctx({ shutdown: { readyFiles: 0, otherClients: { count: 2, who: ['psql', 'app'] } } }),
    ).plan;
    const notes = plan.notes?.join('\n') ?? '';
    expect(notes).toMatch(/walboard closes its own connections to db1 first/);
    expect(notes).toMatch(/2 other client sessions are connected to db1 now \(psql, app\).*Use fast mode/);
    const alone = buildPlan(
      req({ type: 'stop', params: { mode: 'smart' } }),
      ctx({ shutdown: { readyFiles: 0, otherClients: { count: 0, who: [] } } }),
    ).plan;
    expect(alone.notes?.join('\n')).not.toMatch(/other client/);
  });

  it('start on a running server and stop on a stopped one are no-ops that say so', () => {
    const a = buildPlan(req({ type: 'start' }), ctx()).plan;
    expect(a.steps).toEqual([]);
    expect(a.notes).toEqual(['db1 is already running: nothing to do.']);
    expect(buildPlan(req({ type: 'stop' }), ctx({ running: false })).plan.notes).toEqual([
      'db1 is not running: nothing to do.',
    ]);
  });

  it('prepare-archive-dir: mkdir -p -- and chmod 700 -- with the path in its own slot', () => {
    const p = buildPlan(req({ type: 'prepare-archive-dir' }), ctx()).plan;
    expect(p.steps.map((s) => s.argv)).toEqual([
      ['mkdir', '-p', '--', '/srv/wal_archive'],
      ['chmod', '700', '--', '/srv/wal_archive'],
    ]);
    const odd = '/srv/-a,b=c@d%e+f:g';
    expect(
      buildPlan(req({ type: 'prepare-archive-dir', params: { path: odd } }), ctx()).plan.steps[0]?.argv,
    ).toEqual(['mkdir', '-p', '--', odd]);
    // Shell syntax in a path never reaches a plan: the schema refuses it first.
    for (const path of ['/srv/a $(touch x)', '/srv/`id`', '/srv/a;b', '/srv/../etc', 'srv/a', "/srv/'"]) {
      const r = operationRequestSchema.safeParse({
        type: 'prepare-archive-dir',
        node: 'db1',
        params: { path },
      });
      expect(r.success, path).toBe(false);
    }
  });

  it('prepare-archive-dir refuses system folders, the data dir, symlinks and files', () => {
    for (const path of [
      '/',
      '/etc',
      '/etc/x',
      '/usr/lib/x',
      '/tmp',
      '/var/lib/pg/data',
      '/var/lib/pg/data/arch',
    ]) {
      expect(() => buildPlan(req({ type: 'prepare-archive-dir', params: { path } }), ctx()), path).toThrow(
        PlanRefusal,
      );
    }
    expect(() => buildPlan(req({ type: 'prepare-archive-dir' }), ctx({ pathType: 'symlink' }))).toThrow(
      /symbolic link/,
    );
    expect(() => buildPlan(req({ type: 'prepare-archive-dir' }), ctx({ pathType: 'file' }))).toThrow(
      /not a directory/,
    );
    const noDir = { ...node, archiveDir: undefined } as NodeConfig;
    expect(() => buildPlan(req({ type: 'prepare-archive-dir' }), ctx({ node: noDir }))).toThrow(
      /no archiveDir/,
    );
  });
});

describe('SQL plans: bound parameters only', () => {
  it('slots and reload', () => {
    const c = buildPlan(req({ type: 'create-slot', params: { slotName: 'standby_1' } }), ctx()).plan;
    expect(c.steps).toEqual([
      {
        node: 'db1',
        kind: 'sql',
        title: 'Create physical replication slot standby_1',
        sql: 'SELECT pg_create_physical_replication_slot($1)',
        sqlParams: ['standby_1'],
      },
    ]);
    expect(c.destructive).toBe(false);
    const d = buildPlan(req({ type: 'drop-slot', params: { slotName: 's' } }), ctx()).plan;
    expect([d.destructive, d.steps[0]?.sql, d.steps[0]?.sqlParams]).toEqual([
      true,
      'SELECT pg_drop_replication_slot($1)',
      ['s'],
    ]);
    expect(buildPlan(req({ type: 'reload' }), ctx()).plan.steps[0]?.sql).toBe('SELECT pg_reload_conf()');
  });

  it('refuses slots before 9.4 and SQL on a stopped server', () => {
    expect(() =>
      buildPlan(
        req({ type: 'create-slot', params: { slotName: 's' } }),
        ctx({ caps: capabilitiesFor(90100) }),
      ),
    ).toThrow(/no replication slots/);
    expect(() => buildPlan(req({ type: 'reload' }), ctx({ running: false }))).toThrow(/not running/);
  });
});

describe('set-settings', () => {
  it('rewrites postgresql.conf with a diff and a backup, then verifies and reloads on a running server', () => {
    const built = buildPlan(
      req({ type: 'set-settings', params: { settings: { cluster_name: "it's", wal_keep_size: '1GB' } } }),
      ctx(),
    );
    expect(built.plan.destructive).toBe(true);
    const [file, verify, reload] = built.plan.steps;
    expect(file?.file).toEqual({
      path: '/etc/pg/postgresql.conf',
      backup: '/etc/pg/postgresql.conf.walboard-20250304T050607089Z.bak',
      diff: [
        '--- /etc/pg/postgresql.conf',
        '+++ /etc/pg/postgresql.conf',
        '@@ -1,3 +1,4 @@',
        ' # conf',
        ' port = 5432',
        "-cluster_name = 'old'",
        "+cluster_name = 'it''s'",
        "+wal_keep_size = '1GB'",
        '',
      ].join('\n'),
    });
    expect(built.steps[0]?.change?.after).toBe(
      "# conf\nport = 5432\ncluster_name = 'it''s'\nwal_keep_size = '1GB'\n",
    );
    expect(verify?.sqlParams).toEqual(['/etc/pg/postgresql.conf']);
    expect(verify?.sql).toContain('FROM pg_file_settings WHERE sourcefile = $1');
    expect(reload?.sql).toBe('SELECT pg_reload_conf()');
  });

  it('uses dataDir/postgresql.conf when no configFile is configured, and no checks on a stopped server', () => {
    const plain = { ...node, postgres: { ...node.postgres, configFile: undefined } } as NodeConfig;
    const built = buildPlan(
      req({ type: 'set-settings', params: { settings: { hot_standby: 'on' } } }),
      ctx({ node: plain, running: false }, { '/var/lib/pg/data/postgresql.conf': '' }),
    );
    expect(built.plan.steps.map((s) => [s.kind, s.file?.path])).toEqual([
      ['file', '/var/lib/pg/data/postgresql.conf'],
    ]);
    expect(built.plan.notes).toContain('db1 is not running: the new values apply when it starts.');
  });

  it('refuses the wal_keep setting of the other versions, with what to use instead', () => {
    const s = (settings: object) => req({ type: 'set-settings', params: { settings } });
    expect(() => buildPlan(s({ wal_keep_segments: '64' }), ctx())).toThrow(
      'wal_keep_segments on node db1: PostgreSQL 15 has no wal_keep_segments (it was replaced by wal_keep_size in 13, and the server would refuse to start): set wal_keep_size in MB instead (segments × 16 MB)',
    );
    expect(() => buildPlan(s({ wal_keep_size: '1GB' }), ctx({ caps: capabilitiesFor(120000) }))).toThrow(
      /PostgreSQL 12 has no wal_keep_size/,
    );
    expect(
      buildPlan(s({ wal_keep_segments: '64' }), ctx({ caps: capabilitiesFor(120000) })).plan.steps[0]?.kind,
    ).toBe('file');
    expect(() => buildPlan(s({ wal_level: 'replica' }), ctx({ caps: capabilitiesFor(90100) }))).toThrow(
      /use hot_standby/,
    );
    expect(() => buildPlan(s({ hot_standby: 'on' }), ctx({ caps: null }))).toThrow(
      /cannot tell which PostgreSQL version/,
    );
  });

  it('sends recovery_target_timeline to recovery.conf on 11, and refuses when there is none', () => {
    const s = req({ type: 'set-settings', params: { settings: { recovery_target_timeline: 'latest' } } });
    const caps = capabilitiesFor(110022);
    const f = filesToRead(s, { cluster: 'c1', node, caps, running: false, now: NOW });
    expect(f).toContain('/var/lib/pg/data/recovery.conf');
    expect(() => buildPlan(s, ctx({ caps, running: false }))).toThrow(/not a standby/);
    const p = buildPlan(
      s,
      ctx({ caps, running: false }, { '/var/lib/pg/data/recovery.conf': "standby_mode = 'on'\n" }),
    );
    expect(p.steps[0]?.change?.after).toBe("standby_mode = 'on'\nrecovery_target_timeline = 'latest'\n");
  });

  it('warns when postgresql.auto.conf overrides a setting', () => {
    const p = buildPlan(
      req({ type: 'set-settings', params: { settings: { cluster_name: 'x' } } }),
      ctx({}, { '/var/lib/pg/data/postgresql.auto.conf': "cluster_name = 'fromalter'\n" }),
    );
    expect(p.plan.notes?.[0]).toMatch(/also set in postgresql.auto.conf.*ALTER SYSTEM RESET cluster_name/);
  });
});

describe('set-standby-source', () => {
  const body = {
    type: 'set-standby-source',
    params: { host: '10.0.0.5', user: 'replicator', applicationName: 'db1', slotName: 'db1_slot' },
  };
  it('12+: primary_conninfo (libpq-quoted, then file-quoted) and primary_slot_name in postgresql.auto.conf', () => {
    const p = buildPlan(req(body), ctx());
    expect(p.steps[0]?.change?.path).toBe('/var/lib/pg/data/postgresql.auto.conf');
    expect(p.steps[0]?.change?.after).toBe(
      "# auto\nprimary_conninfo = 'host=''10.0.0.5'' port=''5432'' user=''replicator'' application_name=''db1'''\nprimary_slot_name = 'db1_slot'\n",
    );
    expect(p.plan.steps.map((s) => s.kind)).toEqual(['file', 'sql', 'sql']);
    expect(p.plan.destructive).toBe(true);
  });

  it('10–11: recovery.conf, which must exist', () => {
    const caps = capabilitiesFor(100023);
    expect(() => buildPlan(req(body), ctx({ caps }))).toThrow(/would turn it into a standby/);
    const p = buildPlan(
      req(body),
      ctx(
        { caps },
        { '/var/lib/pg/data/recovery.conf': "standby_mode = 'on'\nprimary_conninfo = 'host=old'\n" },
      ),
    );
    expect(p.steps[0]?.change?.after).toBe(
      "standby_mode = 'on'\nprimary_conninfo = 'host=''10.0.0.5'' port=''5432'' user=''replicator'' application_name=''db1'''\nprimary_slot_name = 'db1_slot'\n",
    );
    // recovery.conf is not a GUC file: no pg_file_settings check, just the reload.
    expect(p.plan.steps.map((s) => s.kind)).toEqual(['file', 'sql']);
  });
});
