import { chmod, mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Operation, OperationPlan } from '@walboard/shared/operations';
import type { FastifyInstance } from 'fastify';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditLog } from '../audit/audit-log.ts';
import { createOrReuseLab, LAB_PASSWORD_ENV, type Lab } from '../lab/create-lab.ts';
import { labSql } from '../lab/test-support/lab-sql.ts';
import type { NodeSession } from '../nodes/node-session.ts';
import { buildSessions } from '../nodes/registry.ts';
import { freePort } from '../nodes/test-support/sshd-fixture.ts';
import { openStore, type WalboardStore } from '../store/database.ts';
import { OperationStore } from '../store/operation-store.ts';
import { OperationRunner } from './operation-runner.ts';
import { operationTestApp, PublishedOperations } from './test-support.ts';

/**
 * The lab guide on the embedded lab's two local servers (PostgreSQL 15, transport local): the
 * whole setup as one operation, then a fenced promotion and the archive clean-up. Every result is
 * checked with SQL of the test's own, on connections it opens itself.
 */
describe('setup-replication → promote → clean-archive on two local servers', () => {
  let dir: string;
  let lab: Lab;
  let sessions: NodeSession[];
  let store: WalboardStore;
  let app: FastifyInstance;
  const published = new PublishedOperations();

  beforeAll(async () => {
    dir = await mkdtemp('/var/tmp/walboard-repl-lab-');
    await chmod(dir, 0o755);
    lab = await createOrReuseLab({ dir: join(dir, 'lab'), ports: [await freePort(), await freePort()] });
    sessions = await buildSessions(lab.config, lab.env);
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

  const post = (body: object) =>
    app.inject({ method: 'POST', url: '/api/clusters/lab/operations', payload: body });
  async function run(body: object, ms = 120_000): Promise<Operation> {
    const res = await post({ confirm: true, ...body });
    expect(res.statusCode, res.body).toBe(202);
    return published.finished(res.json<{ id: string }>().id, ms);
  }
  const sql = <R extends pg.QueryResultRow>(i: 0 | 1, text: string, params: unknown[] = []) =>
    labSql<R>(lab, i, text, params);
  const failed = (op: Operation) =>
    `${op.message}\n${op.steps
      .filter((s) => s.state === 'failed')
      .map((s) => `${s.title}\n${s.output}`)
      .join('\n')}`;

  it('plans the whole guide as phases, with the archive_command it will write and no password anywhere', async () => {
    const res = await post({
      type: 'setup-replication',
      node: 'node1',
      dryRun: true,
      params: { standbys: ['node2'] },
    });
    expect(res.statusCode, res.body).toBe(200);
    const plan = res.json<{ plan: OperationPlan }>().plan;
    expect(plan.phases?.map((p) => p.id)).toEqual([
      'preflight',
      'link-nodes',
      'configure-primary',
      'base-backup:node2',
      'configure-standby:node2',
      'start:node2',
      'verify',
    ]);
    const conf = plan.steps.find(
      (s) => s.phase === 'configure-primary' && s.file?.path.endsWith('postgresql.conf'),
    );
    expect(conf?.file?.diff).toContain("+archive_mode = 'on'");
    expect(conf?.file?.diff).toMatch(
      /\+archive_command = '.*rsync.*--ignore-existing.*%p.*node2\/wal_archive\/%f/,
    );
    expect(plan.steps.some((s) => s.phase === 'link-nodes')).toBe(true);
    expect(plan.notes?.join('\n')).toMatch(/same machine \(transport: local\): no ssh is needed/);
    expect(JSON.stringify(plan)).not.toContain(String(lab.env[LAB_PASSWORD_ENV]));
  });

  it('sets up WAL shipping and streaming: node2 replays what node1 commits, segments arrive in its archive', async () => {
    const op = await run(
      { type: 'setup-replication', node: 'node1', params: { standbys: ['node2'] } },
      240_000,
    );
    expect(op.state, failed(op)).toBe('succeeded');
    expect(op.steps.every((s) => s.state === 'succeeded')).toBe(true);
    // The test's own checks.
    expect((await sql<{ r: boolean }>(1, 'SELECT pg_is_in_recovery() AS r'))[0]?.r).toBe(true);
    await sql(0, 'CREATE TABLE lab_rows (id int PRIMARY KEY, note text)');
    await sql(0, "INSERT INTO lab_rows SELECT g, 'row ' || g FROM generate_series(1, 500) g");
    const lsn = (await sql<{ l: string }>(0, 'SELECT pg_current_wal_lsn()::text AS l'))[0]?.l;
    for (let i = 0; i < 100; i++) {
      const r = await sql<{ ok: boolean }>(1, 'SELECT pg_last_wal_replay_lsn() >= $1::pg_lsn AS ok', [lsn]);
      if (r[0]?.ok) break;
      await new Promise((res) => setTimeout(res, 50));
    }
    expect((await sql<{ n: string }>(1, 'SELECT count(*)::text AS n FROM lab_rows'))[0]?.n).toBe('500');
    const sender = await sql<{ application_name: string; state: string }>(
      0,
      'SELECT application_name, state FROM pg_stat_replication',
    );
    expect(sender).toEqual([{ application_name: 'node2', state: 'streaming' }]);
    const archive = lab.nodes[1]?.archiveDir as string;
    expect((await readdir(archive)).filter((f) => /^[0-9A-F]{24}$/.test(f)).length).toBeGreaterThan(0);
    expect((await stat(archive)).mode & 0o777).toBe(0o700);
    // The password lives only in the 0600 password file of node2, never in the config it wrote.
    const passfile = join(lab.nodes[1]?.dir as string, '.pgpass');
    expect((await stat(passfile)).mode & 0o777).toBe(0o600);
    expect(await readFile(passfile, 'utf8')).toMatch(
      /^127\.0\.0\.1:\d+:replication:replicator:[A-Za-z0-9]{32}$/m,
    );
    const auto = await readFile(join(lab.nodes[1]?.dataDir as string, 'postgresql.auto.conf'), 'utf8');
    expect(auto).toMatch(
      /^primary_conninfo = 'host=''127\.0\.0\.1'' port=''\d+'' user=''replicator'' application_name=''node2'' passfile=''.*\/node2\/\.pgpass'''$/m,
    );
    expect(auto).toMatch(/^restore_command = 'cp -- \/.*\/node2\/wal_archive\/%f %p'$/m);
    expect(auto).not.toMatch(/password/);
    // The old data directory of node2 is kept beside the new one.
    const aside = (await readdir(lab.nodes[1]?.dir as string)).filter((f) =>
      f.startsWith('data.walboard-old-'),
    );
    expect(aside).toHaveLength(1);
  }, 300_000);

  it('a second run resumes: every phase plans to nothing but the checks, and it still succeeds', async () => {
    const res = await post({
      type: 'setup-replication',
      node: 'node1',
      dryRun: true,
      params: { standbys: ['node2'] },
    });
    const plan = res.json<{ plan: OperationPlan }>().plan;
    expect(plan.steps.filter((s) => s.phase === 'base-backup:node2').map((s) => s.title)).toEqual([
      'Base backup of node1 onto node2: nothing to do',
    ]);
    expect(plan.steps.filter((s) => s.phase === 'configure-standby:node2').map((s) => s.title)).toEqual([
      'node2 as a standby of node1: nothing to do',
    ]);
    const again = await run({ type: 'setup-replication', node: 'node1', params: { standbys: ['node2'] } });
    expect(again.state, failed(again)).toBe('succeeded');
    expect((await sql<{ r: boolean }>(1, 'SELECT pg_is_in_recovery() AS r'))[0]?.r).toBe(true);
  }, 120_000);

  it('refuses to promote node2 while node1 accepts writes, showing what would be lost', async () => {
    const dry = await post({ type: 'promote', node: 'node2', dryRun: true });
    expect(dry.statusCode, dry.body).toBe(200);
    const plan = dry.json<{ plan: OperationPlan }>().plan;
    expect(plan.lossCheck).toMatchObject({
      oldPrimary: 'node1',
      oldPrimaryState: 'writable',
      fenceNeeded: true,
    });
    expect(plan.refusal).toMatch(/split brain/);
    const res = await post({ type: 'promote', node: 'node2', confirm: true });
    expect(res.statusCode).toBe(422);
    expect(res.json<{ message: string }>().message).toMatch(/node1 is reachable and accepts writes/);
    expect((await sql<{ r: boolean }>(1, 'SELECT pg_is_in_recovery() AS r'))[0]?.r).toBe(true);
  });

  it('promotes node2 fenced: node1 is stopped first, node2 takes writes and holds every committed row', async () => {
    await sql(0, "INSERT INTO lab_rows SELECT g, 'late ' || g FROM generate_series(501, 600) g");
    const op = await run({ type: 'promote', node: 'node2', params: { fence: 'stop-old-primary' } });
    expect(op.state, failed(op)).toBe('succeeded');
    expect(op.promotion?.timeline).toBe(2);
    expect(op.promotion?.history).toMatch(/^1\t0\/[0-9A-F]+\t/);
    expect((await sql<{ r: boolean }>(1, 'SELECT pg_is_in_recovery() AS r'))[0]?.r).toBe(false);
    expect((await sql<{ n: string }>(1, 'SELECT count(*)::text AS n FROM lab_rows'))[0]?.n).toBe('600');
    await sql(1, "INSERT INTO lab_rows VALUES (601, 'after promotion')");
    await expect(sql(0, 'SELECT 1')).rejects.toThrow();
  }, 180_000);

  it('clean-archive removes only what precedes the redo point and keeps the history files', async () => {
    await sql(1, 'CHECKPOINT');
    const archive = lab.nodes[1]?.archiveDir as string;
    const before = await readdir(archive);
    const dry = await post({ type: 'clean-archive', node: 'node2', dryRun: true });
    expect(dry.statusCode, dry.body).toBe(200);
    const op = await run({ type: 'clean-archive', node: 'node2' });
    expect(op.state, failed(op)).toBe('succeeded');
    const after = await readdir(archive);
    const redo = (await sql<{ f: string }>(1, 'SELECT redo_wal_file AS f FROM pg_control_checkpoint()'))[0]
      ?.f as string;
    for (const f of after.filter((x) => /^[0-9A-F]{24}$/.test(x)))
      expect(f.slice(8) >= redo.slice(8)).toBe(true);
    expect(after.filter((f) => f.endsWith('.history'))).toEqual(before.filter((f) => f.endsWith('.history')));
  });
});
