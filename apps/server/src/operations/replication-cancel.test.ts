import { chmod, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Operation } from '@walboard/shared/operations';
import type { FastifyInstance } from 'fastify';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditLog } from '../audit/audit-log.ts';
import { createOrReuseLab, type Lab } from '../lab/create-lab.ts';
import { labSql } from '../lab/test-support/lab-sql.ts';
import type { NodeSession } from '../nodes/node-session.ts';
import { buildSessions } from '../nodes/registry.ts';
import { freePort } from '../nodes/test-support/sshd-fixture.ts';
import { openStore, type WalboardStore } from '../store/database.ts';
import { OperationStore } from '../store/operation-store.ts';
import { OperationRunner } from './operation-runner.ts';
import { operationTestApp, PublishedOperations } from './test-support.ts';

/**
 * Cancel in the middle of a real copy (both methods), on the lab's two local servers: the copy
 * stops, the partial copy is removed, and the standby keeps its own data directory, running,
 * exactly as before.
 */
describe('cancelling a base backup while it copies', () => {
  let dir: string;
  let lab: Lab;
  let sessions: NodeSession[];
  let store: WalboardStore;
  let app: FastifyInstance;
  let runner: OperationRunner;
  const published = new PublishedOperations();

  const sql = <R extends pg.QueryResultRow>(i: 0 | 1, text: string, params: unknown[] = []) =>
    labSql<R>(lab, i, text, params);

  beforeAll(async () => {
    dir = await mkdtemp('/var/tmp/walboard-repl-cancel-');
    await chmod(dir, 0o755);
    lab = await createOrReuseLab({ dir: join(dir, 'lab'), ports: [await freePort(), await freePort()] });
    sessions = await buildSessions(lab.config, lab.env);
    store = openStore(join(dir, 'state'));
    const audit = new AuditLog(store.audit);
    runner = new OperationRunner({
      sessions,
      store: new OperationStore(store.db),
      audit,
      publish: published.publish,
    });
    app = await operationTestApp(runner, audit);
    // Enough data that a copy takes a while here (~400 MB).
    await sql(
      0,
      'CREATE TABLE filler AS SELECT g AS id, repeat(md5(g::text), 6) AS pad FROM generate_series(1, 1500000) g',
    );
    const res = await app.inject({
      method: 'POST',
      url: '/api/clusters/lab/operations',
      payload: { type: 'configure-primary', node: 'node1', confirm: true, params: { standbys: ['node2'] } },
    });
    expect(res.statusCode, res.body).toBe(202);
    const op = await published.finished(res.json<{ id: string }>().id, 120_000);
    expect(op.state, op.message).toBe('succeeded');
  }, 240_000);

  afterAll(async () => {
    await app?.close();
    await Promise.all((sessions ?? []).map((s) => s.close()));
    await lab?.stop();
    store?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  for (const method of ['pg_basebackup', 'lab'] as const) {
    it(`${method}: the copy stops, its partial directory goes, node2 keeps running on its own data`, async () => {
      const node2Dir = lab.nodes[1]?.dir as string;
      const sysBefore = (
        await sql<{ s: string }>(1, 'SELECT system_identifier::text AS s FROM pg_control_system()')
      )[0]?.s;
      const before = await readdir(node2Dir);
      const res = await app.inject({
        method: 'POST',
        url: '/api/clusters/lab/operations',
        payload: { type: 'base-backup', node: 'node2', confirm: true, params: { from: 'node1', method } },
      });
      expect(res.statusCode, res.body).toBe(202);
      const { id } = res.json<{ id: string }>();
      // Cancel while the copy runs: once its step has started (progress is sampled every 500 ms,
      // and a 400 MB copy from the page cache can end before a second sample).
      for (let i = 0; i < 400; i++) {
        const op = runner.get(id) as Operation;
        if (op.steps.some((s) => /^(Copy|Stream) /.test(s.title) && s.state === 'running')) break;
        await new Promise((r) => setTimeout(r, 25));
      }
      const cancel = await app.inject({ method: 'POST', url: `/api/operations/${id}/cancel`, payload: {} });
      expect(cancel.statusCode, cancel.body).toBe(202);
      const op = await published.finished(id, 60_000);
      expect(op.state, op.message).toBe('cancelled');
      const copy = op.steps.find((s) => s.kind === 'copy' || s.title.startsWith('Copy'));
      expect(copy?.state).toBe('failed');
      expect(
        op.steps
          .filter((s) => s.title.startsWith('Stop node2') || s.title.startsWith('Keep node2'))
          .map((s) => s.state),
      ).toEqual(
        op.steps
          .filter((s) => s.title.startsWith('Stop node2') || s.title.startsWith('Keep node2'))
          .map(() => 'skipped'),
      );
      // The partial copy is gone; nothing else appeared or disappeared beside the data directory.
      expect(await readdir(node2Dir)).toEqual(before);
      expect(await readFile(join(lab.nodes[1]?.dataDir as string, 'PG_VERSION'), 'utf8')).toMatch(/^15/);
      const sysAfter = (
        await sql<{ s: string; r: boolean }>(
          1,
          'SELECT system_identifier::text AS s, pg_is_in_recovery() AS r FROM pg_control_system()',
        )
      )[0];
      expect(sysAfter).toEqual({ s: sysBefore, r: false });
      expect(runner.running('lab')).toBeNull();
    }, 120_000);
  }
});
