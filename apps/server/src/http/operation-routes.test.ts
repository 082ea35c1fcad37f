import { chmod, chown, mkdir, mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Operation, OperationPlan } from '@walboard/shared/operations';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditLog } from '../audit/audit-log.ts';
import { createOrReuseLab, type Lab } from '../lab/create-lab.ts';
import type { NodeSession } from '../nodes/node-session.ts';
import { buildSessions } from '../nodes/registry.ts';
import { freePort } from '../nodes/test-support/sshd-fixture.ts';
import { OperationRunner } from '../operations/operation-runner.ts';
import { operationTestApp, PublishedOperations } from '../operations/test-support.ts';
import { pgCtlArgv } from '../postgres/pg-ctl.ts';
import { openStore, type WalboardStore } from '../store/database.ts';
import { OperationStore } from '../store/operation-store.ts';

describe('operations against the real lab servers (PostgreSQL, local transport)', () => {
  let dir: string;
  let lab: Lab;
  let sessions: NodeSession[];
  let store: WalboardStore;
  let app: FastifyInstance;
  const published = new PublishedOperations();
  let node1: NodeSession;

  beforeAll(async () => {
    // /var/tmp with 0755: as root the servers run as another user, who must reach the folder.
    dir = await mkdtemp('/var/tmp/walboard-ops-test-');
    await chmod(dir, 0o755);
    lab = await createOrReuseLab({ dir: join(dir, 'lab'), ports: [await freePort(), await freePort()] });
    sessions = await buildSessions(lab.config, lab.env);
    node1 = sessions.find((s) => s.name === 'node1') as NodeSession;
    store = openStore(join(dir, 'state'));
    const audit = new AuditLog(store.audit);
    const runner = new OperationRunner({
      sessions,
      store: new OperationStore(store.db),
      audit,
      publish: published.publish,
    });
    app = await operationTestApp(runner, audit);
  }, 120_000);

  afterAll(async () => {
    await app?.close();
    await Promise.all((sessions ?? []).map((s) => s.close()));
    await lab?.stop();
    store?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const post = (body: object, cluster = 'lab') =>
    app.inject({ method: 'POST', url: `/api/clusters/${cluster}/operations`, payload: body });
  const running = async () =>
    (
      await node1.transport.exec(
        pgCtlArgv({ binDir: lab.binaries.binDir, dataDir: lab.nodes[0]!.dataDir }, 'status'),
      )
    ).code === 0;
  async function runOp(body: object): Promise<Operation> {
    const res = await post(body);
    expect(res.statusCode, res.body).toBe(202);
    return published.finished(res.json<{ id: string }>().id);
  }
  const audits = (action: string) => store.audit.list({ limit: 50, action });

  it('dry run answers the exact plan and runs nothing', async () => {
    const res = await post({ type: 'stop', node: 'node1', dryRun: true });
    expect(res.statusCode).toBe(200);
    const plan = res.json<{ plan: OperationPlan }>().plan;
    expect(plan).toMatchObject({ type: 'stop', cluster: 'lab', node: 'node1', destructive: true });
    expect(plan.steps[0]?.argv).toEqual([
      `${lab.binaries.binDir}/pg_ctl`,
      'stop',
      '-D',
      lab.nodes[0]!.dataDir,
      '-w',
      '-t',
      '60',
      '-m',
      'fast',
    ]);
    expect(await running()).toBe(true);
  });

  it('a destructive operation without confirm is refused with its plan, audited, and nothing runs', async () => {
    const res = await post({ type: 'stop', node: 'node1', params: { mode: 'immediate' } });
    expect(res.statusCode).toBe(409);
    const body = res.json<{ error: string; node: string; plan: OperationPlan; message: string }>();
    expect(body.error).toBe('WB_ERR_CONFIRM_REQUIRED');
    expect(body.node).toBe('node1');
    expect(body.message).toMatch(/confirm: true/);
    expect(body.plan.steps[0]?.argv?.slice(-2)).toEqual(['-m', 'immediate']);
    expect(audits('operation.stop')[0]).toMatchObject({
      result: 'refused',
      username: 'alice',
      target: 'lab/node1',
    });
    expect(await running()).toBe(true);
  });

  it('set-settings writes quote-laden and SQL-looking cluster_name values that the server reads back exactly', async () => {
    const canary = join(dir, 'canary-settings');
    const conf = lab.config.clusters[0]!.nodes[0]!.postgres.configFile as string;
    const original = await readFile(conf, 'utf8');
    for (const value of [
      `x'; DROP TABLE t; -- \\ $(touch ${canary})`.slice(0, 63),
      '\\\'\' `id` "q" #not-a-comment',
    ]) {
      const op = await runOp({
        type: 'set-settings',
        node: 'node1',
        confirm: true,
        params: { settings: { cluster_name: value } },
      });
      expect(op.state, op.message).toBe('succeeded');
      expect(op.steps.map((s) => [s.kind, s.state])).toEqual([
        ['file', 'succeeded'],
        ['sql', 'succeeded'],
        ['sql', 'succeeded'],
      ]);
      // What the server itself parses from the file: no error rows, the exact value.
      const rows = await node1.query<{ name: string | null; setting: string | null; error: string | null }>(
        'SELECT name, setting, error FROM pg_file_settings WHERE sourcefile = $1',
        [conf],
      );
      // Before the restart the only "error" is the server saying cluster_name needs one.
      expect(rows.filter((r) => r.error !== null)).toEqual([
        { name: 'cluster_name', setting: value, error: 'setting could not be applied' },
      ]);
      expect(op.steps[1]?.output).toMatch(/needs a restart to take effect: cluster_name$/);
      const restart = await runOp({ type: 'restart', node: 'node1', confirm: true });
      expect(restart.state, restart.message).toBe('succeeded');
      const after = await node1.query<{ error: string | null }>(
        'SELECT error FROM pg_file_settings WHERE error IS NOT NULL',
      );
      expect(after).toEqual([]);
      const shown = await node1.query<{ cluster_name: string }>('SHOW cluster_name');
      expect(shown[0]?.cluster_name).toBe(value);
    }
    // Backups: one per change, the first holding the original file byte for byte.
    const backups = (await readdir(lab.nodes[0]!.confDir))
      .filter((f) => /^postgresql\.conf\.walboard-\d{8}T\d{9}Z\.bak$/.test(f))
      .sort();
    expect(backups).toHaveLength(2);
    expect(await readFile(join(lab.nodes[0]!.confDir, backups[0]!), 'utf8')).toBe(original);
    await expect(stat(canary)).rejects.toThrow(/ENOENT/);
  });

  it('refuses values that would break the file (newline, non-ASCII, wrong version) and audits them', async () => {
    const bad = await post({
      type: 'set-settings',
      node: 'node1',
      confirm: true,
      params: { settings: { cluster_name: 'a\nwal_level = minimal' } },
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ error: 'WB_ERR_INVALID_OPERATION', node: 'node1' });
    expect(audits('operation.refused')[0]).toMatchObject({
      result: 'refused',
      detail: { field: 'params.settings.cluster_name', type: 'set-settings', node: 'node1' },
    });
    const wrongVersion = await post({
      type: 'set-settings',
      node: 'node1',
      confirm: true,
      params: { settings: { wal_keep_segments: '32' } },
    });
    expect(wrongVersion.statusCode).toBe(422);
    expect(wrongVersion.json()).toMatchObject({ error: 'WB_ERR_OPERATION_REFUSED', node: 'node1' });
    expect(wrongVersion.json<{ message: string }>().message).toMatch(
      /PostgreSQL 15 has no wal_keep_segments.*wal_keep_size/,
    );
  });

  it('stop and start round trip, each published running → succeeded and audited ok', async () => {
    const stop = await runOp({ type: 'stop', node: 'node1', confirm: true });
    expect(stop.state, stop.message).toBe('succeeded');
    expect(stop.steps[0]?.exitCode).toBe(0);
    expect(stop.steps[0]?.output).toMatch(/server stopped/);
    expect(await running()).toBe(false);
    const start = await runOp({ type: 'start', node: 'node1' });
    expect(start.state, start.message).toBe('succeeded');
    expect(await running()).toBe(true);
    expect((await node1.query<{ one: number }>('SELECT 1 AS one'))[0]?.one).toBe(1);
    const states = published.events.filter((e) => e.id === start.id).map((e) => e.state);
    expect(states[0]).toBe('running');
    expect(states.at(-1)).toBe('succeeded');
    expect(audits('operation.start')[0]).toMatchObject({ result: 'ok', detail: { id: start.id } });
    const again = await runOp({ type: 'start', node: 'node1' });
    expect([again.state, again.steps.length, again.message]).toEqual([
      'succeeded',
      0,
      'start on node1 finished — node1 is already running: nothing to do.',
    ]);
  });

  it('create-slot and drop-slot', async () => {
    const slots = async () =>
      (await node1.query<{ slot_name: string }>('SELECT slot_name FROM pg_replication_slots')).map(
        (r) => r.slot_name,
      );
    const created = await runOp({ type: 'create-slot', node: 'node1', params: { slotName: 'standby_a' } });
    expect(created.state, created.message).toBe('succeeded');
    expect(await slots()).toContain('standby_a');
    const twice = await runOp({ type: 'create-slot', node: 'node1', params: { slotName: 'standby_a' } });
    expect(twice.state).toBe('failed');
    expect(twice.message).toMatch(/step 1 .* failed on node1: .*already exists/);
    const dropped = await runOp({
      type: 'drop-slot',
      node: 'node1',
      confirm: true,
      params: { slotName: 'standby_a' },
    });
    expect(dropped.state, dropped.message).toBe('succeeded');
    expect(await slots()).not.toContain('standby_a');
  });

  it('one operation per cluster: a second one while the first runs answers 409 naming it', async () => {
    const [a, b] = await Promise.all([
      post({ type: 'restart', node: 'node1', confirm: true }),
      post({ type: 'create-slot', node: 'node2', params: { slotName: 'x' } }),
    ]);
    const codes = [a.statusCode, b.statusCode].sort();
    expect(codes).toEqual([202, 409]);
    const refused = a.statusCode === 409 ? a : b;
    expect(refused.json()).toMatchObject({ error: 'WB_ERR_CLUSTER_BUSY' });
    expect(refused.json<{ message: string }>().message).toMatch(
      /cluster lab is busy: operation [0-9a-f-]{36} \(.* by alice\) is running/,
    );
    const started = (a.statusCode === 202 ? a : b).json<{ id: string }>().id;
    expect((await published.finished(started)).state).toBe('succeeded');
    // Free again once it finished.
    const after = await post({ type: 'reload', node: 'node2' });
    expect(after.statusCode).toBe(202);
    await published.finished(after.json<{ id: string }>().id);
  });

  it('prepare-archive-dir: a shell-looking path is refused before anything runs; a plain one is created 0700', async () => {
    const canary = join(dir, 'canary-archive');
    const parent = join(dir, 'archives');
    await mkdir(parent);
    await chown(parent, lab.user.uid, lab.user.gid);
    const hostile = join(parent, `arch $(touch ${canary}); touch ${canary} \`touch ${canary}\``);
    const refused = await post({ type: 'prepare-archive-dir', node: 'node1', params: { path: hostile } });
    expect(refused.statusCode).toBe(400);
    expect(audits('operation.refused')[0]).toMatchObject({ detail: { field: 'params.path' } });
    expect(await readdir(parent)).toEqual([]);
    await expect(stat(canary)).rejects.toThrow(/ENOENT/);

    const path = join(parent, '-arch,1');
    const op = await runOp({ type: 'prepare-archive-dir', node: 'node1', params: { path } });
    expect(op.state, op.message).toBe('succeeded');
    expect(op.steps.map((s) => s.argv)).toEqual([
      ['mkdir', '-p', '--', path],
      ['chmod', '700', '--', path],
    ]);
    const st = await stat(path);
    expect(st.isDirectory()).toBe(true);
    expect(st.mode & 0o777).toBe(0o700);
  });

  it('reads: list per cluster, one by id, 403 for an operation of a cluster the user may not see', async () => {
    const list = await app.inject({ method: 'GET', url: '/api/clusters/lab/operations?limit=3' });
    expect(list.statusCode).toBe(200);
    const ops = list.json<Operation[]>();
    expect(ops).toHaveLength(3);
    const one = await app.inject({ method: 'GET', url: `/api/operations/${ops[0]!.id}` });
    expect(one.json<Operation>().id).toBe(ops[0]!.id);
    const other = await app.inject({
      method: 'GET',
      url: `/api/operations/${ops[0]!.id}`,
      headers: { 'x-test-clusters': 'prod' },
    });
    expect(other.statusCode).toBe(403);
    expect(other.json()).toMatchObject({ error: 'WB_ERR_FORBIDDEN' });
    expect((await app.inject({ method: 'GET', url: '/api/operations/not-an-id' })).statusCode).toBe(404);
    const unknownNode = await post({ type: 'reload', node: 'node9' });
    expect(unknownNode.statusCode).toBe(404);
    expect(unknownNode.json<{ message: string }>().message).toBe(
      'no node "node9" in cluster "lab": choose one of node1, node2',
    );
  });
});
