import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Operation, OperationPlan } from '@walboard/shared/operations';
import type { FastifyInstance } from 'fastify';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditLog } from '../audit/audit-log.ts';
import { createOrReuseLab, LAB_PASSWORD_ENV, type Lab } from '../lab/create-lab.ts';
import type { NodeSession } from '../nodes/node-session.ts';
import { buildSessions, lookupUser } from '../nodes/registry.ts';
import { freePort } from '../nodes/test-support/sshd-fixture.ts';
import { pgCtlArgv } from '../postgres/pg-ctl.ts';
import { openStore, type WalboardStore } from '../store/database.ts';
import { OperationStore } from '../store/operation-store.ts';
import { OperationRunner } from './operation-runner.ts';
import { operationTestApp, PublishedOperations } from './test-support.ts';

/**
 * Bad input and bad state on the lab's two local servers: each a clear refusal that names the
 * node and what to do, audited, and nothing changed on the servers.
 */
describe('replication operations refuse what would break something', () => {
  let dir: string;
  let lab: Lab;
  let sessions: NodeSession[];
  let store: WalboardStore;
  let app: FastifyInstance;
  const published = new PublishedOperations();

  beforeAll(async () => {
    dir = await mkdtemp('/var/tmp/walboard-repl-refuse-');
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
  const client = (i: 0 | 1, applicationName = 'someone') =>
    new pg.Client({
      host: '127.0.0.1',
      port: lab.nodes[i]?.port,
      user: 'postgres',
      password: lab.env[LAB_PASSWORD_ENV],
      database: 'postgres',
      application_name: applicationName,
    });
  const refused = async (body: object, status: number, message: RegExp) => {
    const res = await post({ confirm: true, ...body });
    expect(res.statusCode, res.body).toBe(status);
    expect(res.json<{ message: string }>().message).toMatch(message);
    const type = (body as { type: string }).type;
    expect(store.audit.list({ limit: 5, action: `operation.${type}` })[0]).toMatchObject({
      result: 'refused',
    });
  };
  const inRecovery = async (i: 0 | 1) => {
    const c = client(i);
    await c.connect();
    try {
      return (await c.query<{ r: boolean }>('SELECT pg_is_in_recovery() AS r')).rows[0]?.r;
    } finally {
      await c.end();
    }
  };

  it('names that do not exist, and a node as its own standby', async () => {
    await refused(
      { type: 'configure-primary', node: 'node1', params: { standbys: ['nope'] } },
      404,
      /no node "nope" in cluster "lab": choose one of node1, node2/,
    );
    await refused(
      { type: 'preflight', node: 'node1', params: { standbys: ['node1'] } },
      422,
      /node1 cannot be its own standby/,
    );
    await refused({ type: 'base-backup', node: 'node2', params: { from: 'ghost' } }, 404, /no node "ghost"/);
  });

  it('configure-primary refuses an archive directory that already holds files', async () => {
    const archive = lab.nodes[1]?.archiveDir as string;
    await mkdir(archive, { recursive: true });
    await writeFile(join(archive, '000000010000000000000007'), 'not ours');
    if (lab.user.switchTo) {
      const { chown } = await import('node:fs/promises');
      const u = await lookupUser(lab.user.name, 'node2');
      await chown(archive, u.uid, u.gid);
    }
    await refused(
      { type: 'configure-primary', node: 'node1', params: { standbys: ['node2'] } },
      422,
      /archive directory .*node2\/wal_archive on node2 is not empty \(1 entries: 000000010000000000000007\)/,
    );
    await rm(archive, { recursive: true, force: true });
  });

  it('base-backup refuses to overwrite a running primary that has clients, and says how to go on', async () => {
    const c = client(1, 'reporting-app');
    await c.connect();
    try {
      await refused(
        { type: 'base-backup', node: 'node2', params: { from: 'node1' } },
        422,
        /node2 runs as a primary with 1 client session \(postgres@127\.0\.0\.1 \(reporting-app\)\).*overwriteInUse: true/,
      );
    } finally {
      await c.end();
    }
    expect(await inRecovery(1)).toBe(false);
  });

  it('base-backup refuses when the standby has no password for the replication role yet', async () => {
    await refused(
      { type: 'base-backup', node: 'node2', params: { from: 'node1' } },
      422,
      /no password for replicator@127\.0\.0\.1:\d+ .*run configure-primary on node1/,
    );
  });

  it('promote refuses a node that is not in recovery', async () => {
    await refused(
      { type: 'promote', node: 'node1' },
      422,
      /node1 is not in recovery: it is a primary already/,
    );
  });

  it('configure-standby refuses a running primary and a data directory that is not a copy', async () => {
    await refused(
      { type: 'configure-standby', node: 'node2', params: { primary: 'node1' } },
      422,
      /node2 runs as a primary/,
    );
    const bin = lab.binaries.binDir;
    const n2 = sessions.find((s) => s.name === 'node2') as NodeSession;
    await n2.transport.exec(
      pgCtlArgv({ binDir: bin, dataDir: lab.nodes[1]?.dataDir as string }, 'stop', ['-m', 'fast']),
    );
    try {
      await refused(
        { type: 'configure-standby', node: 'node2', params: { primary: 'node1' } },
        422,
        /node2's data directory is not a copy of node1 .*run base-backup from node1 first/,
      );
    } finally {
      const t = lab.config.clusters[0]?.nodes[1]?.postgres;
      await n2.transport.exec(
        pgCtlArgv(
          { binDir: bin, dataDir: t?.dataDir as string, logFile: t?.logFile, configFile: t?.configFile },
          'start',
        ),
      );
    }
  });

  it('base-backup refuses a source that is down', async () => {
    const n1 = sessions.find((s) => s.name === 'node1') as NodeSession;
    const t = lab.config.clusters[0]?.nodes[0]?.postgres;
    await n1.transport.exec(
      pgCtlArgv({ binDir: lab.binaries.binDir, dataDir: t?.dataDir as string }, 'stop', ['-m', 'fast']),
    );
    try {
      await refused(
        { type: 'base-backup', node: 'node2', params: { from: 'node1' } },
        422,
        /node1 is not running, so it cannot be copied: start it first/,
      );
    } finally {
      await n1.transport.exec(
        pgCtlArgv(
          {
            binDir: lab.binaries.binDir,
            dataDir: t?.dataDir as string,
            logFile: t?.logFile,
            configFile: t?.configFile,
          },
          'start',
        ),
      );
    }
  });

  it('a second operation while one runs is refused with 409 naming the running one; cancel stops the first', async () => {
    const first = await post({
      type: 'setup-replication',
      node: 'node1',
      confirm: true,
      params: { standbys: ['node2'] },
    });
    expect(first.statusCode, first.body).toBe(202);
    const { id } = first.json<{ id: string }>();
    const second = await post({
      type: 'preflight',
      node: 'node1',
      confirm: true,
      params: { standbys: ['node2'] },
    });
    expect(second.statusCode).toBe(409);
    expect(second.json<{ message: string }>().message).toMatch(
      new RegExp(`cluster lab is busy: operation ${id} \\(setup-replication on node1, by alice\\)`),
    );
    const cancel = await app.inject({ method: 'POST', url: `/api/operations/${id}/cancel`, payload: {} });
    expect(cancel.statusCode, cancel.body).toBe(202);
    const op: Operation = await published.finished(id, 120_000);
    expect(op.state).toBe('cancelled');
    expect(op.message).toMatch(/cancelled/);
    expect(op.steps.some((s) => s.state === 'skipped')).toBe(true);
    expect(store.audit.list({ limit: 5, action: 'operation.cancel' })[0]).toMatchObject({
      result: 'ok',
      username: 'alice',
    });
    const again = await app.inject({ method: 'POST', url: `/api/operations/${id}/cancel`, payload: {} });
    expect(again.statusCode).toBe(409);
  }, 120_000);

  it('promote of a primary is refused even as a dry run; preflight plans only checks and is not destructive', async () => {
    const res = await post({ type: 'promote', node: 'node2', dryRun: true });
    // node2 is a primary here (no setup ran to its end): promote is refused outright.
    expect(res.statusCode).toBe(422);
    const plan = (
      await post({ type: 'preflight', node: 'node1', dryRun: true, params: { standbys: ['node2'] } })
    ).json<{
      plan: OperationPlan;
    }>().plan;
    expect(plan.destructive).toBe(false);
    expect(plan.steps.every((s) => s.kind === 'check')).toBe(true);
  });
});
