// The then-and-now table over HTTP, on two real local PostgreSQL servers (the embedded lab): the
// "now" column must name only settings and functions the live server really has.
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { ErrorBody } from '@walboard/shared/api';
import { type ThenAndNow, thenAndNowSchema } from '@walboard/shared/guide';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../app.ts';
import { addUser, type SignedIn, signInInject, withTestAdmin } from '../auth/test-support/sign-in.ts';
import { createOrReuseLab, type Lab } from '../lab/create-lab.ts';
import { freePort } from '../nodes/test-support/sshd-fixture.ts';
import { majorOf } from '../postgres/capabilities.ts';

describe('GET /api/clusters/:cluster/lab/then-and-now', () => {
  let dir: string;
  let lab: Lab;
  let app: FastifyInstance;
  let viewer: SignedIn;

  beforeAll(async () => {
    // Under /var/tmp, not /tmp: as root the servers run as another user, who must reach the folder.
    dir = await mkdtemp('/var/tmp/walboard-then-now-');
    await chmod(dir, 0o755);
    lab = await createOrReuseLab({ dir: join(dir, 'lab'), ports: [await freePort(), await freePort()] });
    const [n1] = lab.config.clusters[0]?.nodes ?? [];
    if (!n1) throw new Error('the lab has no node1');
    // A third node whose server never runs: its version stays unknown.
    const { logFile: _log, configFile: _conf, ...pg } = n1.postgres;
    const down = {
      ...n1,
      name: 'node3',
      archiveDir: join(dir, 'node3-archive'),
      postgres: { ...pg, port: await freePort(), dataDir: join(dir, 'node3-data') },
    };
    const config = {
      ...lab.config,
      dataDir: join(dir, 'state'),
      clusters: [{ name: 'lab', nodes: [...(lab.config.clusters[0]?.nodes ?? []), down] }],
    };
    app = await buildApp({ config, env: withTestAdmin(lab.env), webDist: '/nonexistent' });
    await app.ready();
    await addUser(app, 'vera', 'viewer', 'vera-password-123');
    viewer = await signInInject(app, 'vera', 'vera-password-123');
    // The monitor's first poll of node1 brings its version.
    const t0 = Date.now();
    while (!app.monitor.snapshot('lab')?.nodes.find((n) => n.node === 'node1')?.versionNum) {
      if (Date.now() - t0 > 20_000) throw new Error('node1 reported no version within 20 s');
      await new Promise((r) => setTimeout(r, 50));
    }
  }, 120_000);

  afterAll(async () => {
    await app?.close();
    await lab?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const get = async (url: string) => {
    const res = await app.inject({ method: 'GET', url, headers: { cookie: viewer.cookie } });
    return { status: res.statusCode, body: res.json() as unknown };
  };
  const sql = async <T>(text: string, values: unknown[] = []) => {
    const s = app.sessions.find((x) => x.name === 'node1');
    if (!s) throw new Error('no session node1');
    return s.query<T & Record<string, unknown>>(text, values);
  };

  it("serves a viewer the table for node1's live version, in lab step order", async () => {
    const res = await get('/api/clusters/lab/lab/then-and-now?node=node1');
    expect(res.status).toBe(200);
    const t = thenAndNowSchema.parse(res.body);
    const [{ v }] = (await sql<{ v: string }>("SELECT current_setting('server_version_num') AS v")) as [
      { v: string },
    ];
    expect(t.major).toBe(majorOf(Number(v)));
    expect(t.rows.length).toBeGreaterThan(20);
    // The 9.1 column is the guide's whatever runs here.
    expect(t.rows.find((r) => r.topic === 'wal-level')?.v91).toBe("wal_level = 'hot_standby'");
    expect(t.rows.find((r) => r.topic === 'standby-file')?.v91).toBe(
      `${lab.nodes[1]?.dataDir}/recovery.conf`,
    );
  });

  it('names in the node column only settings and functions the live server has', async () => {
    const t = (await get('/api/clusters/lab/lab/then-and-now?node=node1')).body as ThenAndNow;
    const settings = t.rows
      .map((r) => /^#?(\w+) = /.exec(r.current)?.[1])
      .filter((x): x is string => x !== undefined);
    expect(settings).toEqual(expect.arrayContaining(['wal_level', 'restore_command', 'archive_command']));
    const known = await sql<{ name: string }>('SELECT name FROM pg_settings WHERE name = ANY($1)', [
      settings,
    ]);
    expect(new Set(known.map((k) => k.name))).toEqual(new Set(settings));
    // Values the server accepts: wal_level's is one of its enum values.
    const walLevel = /= '(\w+)'/.exec(t.rows.find((r) => r.topic === 'wal-level')?.current ?? '')?.[1];
    const [levels] = await sql<{ enumvals: string[] }>(
      "SELECT enumvals FROM pg_settings WHERE name = 'wal_level'",
    );
    expect(levels?.enumvals).toContain(walLevel);
    const functions = [
      ...new Set(
        t.rows.flatMap((r) => [...r.current.matchAll(/\b(pg_\w+|txid_current)\(/g)].map((m) => m[1])),
      ),
    ];
    expect(functions).toEqual(expect.arrayContaining(['pg_current_wal_lsn', 'pg_switch_wal']));
    const procs = await sql<{ proname: string }>(
      'SELECT DISTINCT proname FROM pg_proc WHERE proname = ANY($1)',
      [functions],
    );
    expect(new Set(procs.map((p) => p.proname))).toEqual(new Set(functions));
    // And the 9.1 column is not what this server has: pg_switch_xlog is gone.
    const [old] = await sql<{ n: string }>(
      "SELECT count(*)::text AS n FROM pg_proc WHERE proname = 'pg_switch_xlog'",
    );
    expect(old?.n).toBe('0');
  });

  it("uses the nodes' live facts: archive_command ships to node2's archive, the cleanup uses an installed pg_archivecleanup", async () => {
    const t = (await get('/api/clusters/lab/lab/then-and-now?node=node1&primary=node1&standby=node2'))
      .body as ThenAndNow;
    const archive = t.rows.find((r) => r.topic === 'archive-command')?.current ?? '';
    expect(archive).toContain(`%p ${lab.nodes[1]?.archiveDir}/%f`);
    expect(archive).not.toContain('ssh');
    const cleanup = t.rows.find((r) => r.topic === 'archive-cleanup-command')?.current ?? '';
    const bin = /^archive_cleanup_command = '(\S+) --/.exec(cleanup)?.[1] ?? '';
    expect(bin).toMatch(/\/pg_archivecleanup$/);
    const { existsSync } = await import('node:fs');
    expect(existsSync(bin)).toBe(true);
  });

  it('404 for an unknown cluster or node, 400 for a bad query', async () => {
    const noCluster = await get('/api/clusters/nope/lab/then-and-now?node=node1');
    expect(noCluster.status).toBe(404);
    expect((noCluster.body as ErrorBody).error).toBe('WB_ERR_NO_CLUSTER');
    const noNode = await get('/api/clusters/lab/lab/then-and-now?node=ghost');
    expect(noNode.status).toBe(404);
    expect(noNode.body).toMatchObject({ error: 'WB_ERR_NO_NODE', node: 'ghost' });
    expect((noNode.body as ErrorBody).message).toContain('node1, node2, node3');
    const noStandby = await get('/api/clusters/lab/lab/then-and-now?node=node1&standby=ghost');
    expect(noStandby.status).toBe(404);
    for (const url of [
      '/api/clusters/lab/lab/then-and-now',
      '/api/clusters/lab/lab/then-and-now?node=node1&extra=1',
      '/api/clusters/lab/lab/then-and-now?node=bad%20name',
    ]) {
      const res = await get(url);
      expect(res.status, url).toBe(400);
      expect((res.body as ErrorBody).message, url).toContain('then-and-now query');
    }
  });

  it('409 while the version of the node is not known (its server does not run)', async () => {
    const res = await get('/api/clusters/lab/lab/then-and-now?node=node3');
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({ error: 'WB_ERR_VERSION_UNKNOWN', node: 'node3' });
    expect((res.body as ErrorBody).message).toMatch(/version of node3 is not known yet/);
  });

  it('422 when the pair is not a lab: the standby is the primary itself', async () => {
    const res = await get('/api/clusters/lab/lab/then-and-now?node=node1&standby=node1');
    expect(res.status).toBe(422);
    expect(res.body).toMatchObject({ error: 'WB_ERR_NO_LAB_PAIR' });
  });

  it('401 without a session', async () => {
    const res = await app.inject({ method: 'GET', url: '/api/clusters/lab/lab/then-and-now?node=node1' });
    expect(res.statusCode).toBe(401);
  });
});
