// The guided lab through its REST routes on the embedded lab's two local PostgreSQL 15 servers:
// every step's operation (as the Lab view sends it), then its Check. Checks must fail before the
// step is done and pass after; every result is confirmed with the test's own SQL.
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { LAB_STEP_IDS, type LabProgress, type LabStepId, labProgressSchema } from '@walboard/shared/guide';
import type { Operation } from '@walboard/shared/operations';
import type { FastifyInstance } from 'fastify';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../app.ts';
import { addUser, type SignedIn, signInInject, withTestAdmin } from '../auth/test-support/sign-in.ts';
import { createOrReuseLab, type Lab } from '../lab/create-lab.ts';
import { labSql } from '../lab/test-support/lab-sql.ts';
import { freePort } from '../nodes/test-support/sshd-fixture.ts';

describe('guided lab on two local servers: Run then Check, step by step', () => {
  let dir: string;
  let lab: Lab;
  let app: FastifyInstance;
  let admin: SignedIn;
  let viewer: SignedIn;
  let primary: string;
  let standby: string;

  beforeAll(async () => {
    dir = await mkdtemp('/var/tmp/walboard-guide-test-');
    await chmod(dir, 0o755);
    lab = await createOrReuseLab({ dir: join(dir, 'lab'), ports: [await freePort(), await freePort()] });
    app = await buildApp({ config: lab.config, env: withTestAdmin(lab.env), webDist: '/nonexistent' });
    await app.ready();
    admin = await signInInject(app);
    await addUser(app, 'student', 'viewer', 'student-password-1234');
    viewer = await signInInject(app, 'student', 'student-password-1234');
    primary = lab.config.clusters[0]?.nodes[0]?.name ?? '';
    standby = lab.config.clusters[0]?.nodes[1]?.name ?? '';
    // Both servers seen up by the monitor before anything is checked.
    for (let i = 0; i < 200; i++) {
      const snap = app.monitor.snapshot('lab');
      if (snap?.nodes.every((n) => n.reachability.pg === 'up')) break;
      await new Promise((r) => setTimeout(r, 50));
    }
  }, 120_000);

  afterAll(async () => {
    await app?.close();
    await lab?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const sql = <R extends pg.QueryResultRow>(i: 0 | 1, text: string, params: unknown[] = []) =>
    labSql<R>(lab, i, text, params);

  async function progress(who: SignedIn = admin): Promise<LabProgress> {
    const res = await app.inject({
      method: 'GET',
      url: '/api/clusters/lab/lab',
      headers: { cookie: who.cookie },
    });
    expect(res.statusCode, res.body).toBe(200);
    return labProgressSchema.parse(res.json());
  }

  async function check(step: LabStepId) {
    const res = await app.inject({
      method: 'POST',
      url: `/api/clusters/lab/lab/steps/${step}/check`,
      headers: admin.mutation,
      payload: {},
    });
    expect(res.statusCode, res.body).toBe(200);
    const found = labProgressSchema.parse(res.json()).steps.find((s) => s.id === step)?.check;
    if (!found) throw new Error(`no check recorded for ${step}`);
    return found;
  }

  async function runStep(step: LabStepId): Promise<Operation> {
    const request = (await progress()).steps.find((s) => s.id === step)?.request;
    const res = await app.inject({
      method: 'POST',
      url: '/api/clusters/lab/operations',
      headers: admin.mutation,
      payload: { ...request, confirm: true },
    });
    expect(res.statusCode, res.body).toBe(202);
    const id = res.json<{ id: string }>().id;
    for (let i = 0; i < 2400; i++) {
      const op = (
        await app.inject({ method: 'GET', url: `/api/operations/${id}`, headers: { cookie: admin.cookie } })
      ).json<Operation>();
      if (op.state !== 'running') {
        expect(op.state, `${step}: ${op.message}`).toBe('succeeded');
        return op;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`${step} did not finish in 120 s`);
  }

  it('starts on the first two nodes, every step an operation of walboard, nothing checked yet', async () => {
    const p = await progress(viewer);
    expect(p.pair).toEqual({ primary, standby });
    expect(p.steps.map((s) => s.id)).toEqual([...LAB_STEP_IDS]);
    expect(p.steps.map((s) => `${s.request.type}@${s.request.node}`)).toEqual([
      `preflight@${primary}`,
      `link-nodes@${primary}`,
      `configure-primary@${primary}`,
      `base-backup@${standby}`,
      `configure-standby@${standby}`,
      `start@${standby}`,
      `promote@${standby}`,
      `clean-archive@${standby}`,
    ]);
    expect(p.steps.every((s) => s.check === null)).toBe(true);
    // The run of the lab began when it was first shown, not at each request.
    expect((await progress(viewer)).since).toBe(p.since);
  });

  it('a viewer reads a step plan (the exact commands) but may not run a Check', async () => {
    const res = await app.inject({
      method: 'GET',
      url: '/api/clusters/lab/lab/steps/shipping/plan',
      headers: { cookie: viewer.cookie },
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(JSON.stringify(res.json())).toContain('archive_command');
    const refused = await app.inject({
      method: 'POST',
      url: '/api/clusters/lab/lab/steps/prepare/check',
      headers: viewer.mutation,
      payload: {},
    });
    expect(refused.statusCode).toBe(403);
    // Many viewers asking at once start one planning, not one each (planning runs commands on nodes).
    const planned = app.guide.plan('lab', 'prepare');
    expect(app.guide.plan('lab', 'prepare')).toBe(planned);
    await planned;
    const again = app.guide.plan('lab', 'prepare');
    expect(again).not.toBe(planned);
    await again;
    const unknown = await app.inject({
      method: 'GET',
      url: '/api/clusters/lab/lab/steps/nope/plan',
      headers: { cookie: viewer.cookie },
    });
    expect(unknown.statusCode).toBe(404);
  });

  it('Checks fail before their step ran, saying what is missing', async () => {
    const shipping = await check('shipping');
    expect(shipping.state).toBe('failed');
    expect(shipping.problem?.key).toBe('guide.check.archiverOff');
    const copy = await check('base-backup');
    expect(copy.state).toBe('failed');
    expect(copy.problem?.key).toBe('guide.check.otherSystem');
  });

  it('runs the whole lab: every Check passes once its step ran', async () => {
    const started = Date.now();
    // First thing done after the lab was shown: its run began then, so this operation counts.
    await runStep('prepare');
    expect((await check('prepare')).state).toBe('passed');
    await runStep('link');
    const link = await check('link');
    expect(link.state).toBe('passed');
    expect(link.facts.map((f) => f.key)).toContain('guide.check.localCopy');

    await runStep('shipping');
    // A segment must really arrive: the student's "Switch WAL segment", done here by hand.
    await sql(0, 'SELECT pg_switch_wal()');
    let shipping = await check('shipping');
    for (let i = 0; i < 50 && shipping.state !== 'passed'; i++) {
      await new Promise((r) => setTimeout(r, 200));
      shipping = await check('shipping');
    }
    expect(shipping.state, JSON.stringify(shipping)).toBe('passed');
    expect(shipping.facts.map((f) => f.key)).toContain('guide.check.archiveHolds');

    await runStep('base-backup');
    const copy = await check('base-backup');
    expect(copy.state, JSON.stringify(copy)).toBe('passed');
    await runStep('standby-config');
    expect((await check('standby-config')).state).toBe('passed');
    await runStep('start');
    let start = await check('start');
    for (let i = 0; i < 50 && start.state !== 'passed'; i++) {
      await new Promise((r) => setTimeout(r, 200));
      start = await check('start');
    }
    expect(start.state, JSON.stringify(start)).toBe('passed');
    const seen = start.facts.find((f) => f.key === 'guide.check.rowSeen');
    expect(seen).toBeDefined();
    // The row the Check wrote on the primary is on the standby: read with the test's own SQL.
    const onStandby = await sql<{ n: string }>(
      1,
      `SELECT count(*)::text AS n FROM walboard_lab_check WHERE id = ${Number(seen?.params.id)}`,
    );
    expect(onStandby[0]?.n).toBe('1');
    expect((await sql<{ r: boolean }>(1, 'SELECT pg_is_in_recovery() AS r'))[0]?.r).toBe(true);

    await runStep('promote');
    let promoted = await check('promote');
    for (let i = 0; i < 50 && promoted.state !== 'passed'; i++) {
      await new Promise((r) => setTimeout(r, 100));
      promoted = await check('promote');
    }
    expect(promoted.state, JSON.stringify(promoted)).toBe('passed');
    expect(promoted.facts.find((f) => f.key === 'guide.check.timelineUp')?.params).toMatchObject({
      from: 1,
      to: 2,
    });
    expect((await sql<{ r: boolean }>(1, 'SELECT pg_is_in_recovery() AS r'))[0]?.r).toBe(false);

    await runStep('after-promotion');
    const after = await check('after-promotion');
    expect(after.state, JSON.stringify(after)).toBe('passed');
    const n = await sql<{ n: string }>(1, 'SELECT count(*)::text AS n FROM walboard_lab_check');
    expect(Number(n[0]?.n)).toBe(2);
    console.log(`guided lab through the API: ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }, 300_000);

  it('progress is kept in the store: a viewer sees every step passed', async () => {
    const p = await progress(viewer);
    expect(p.steps.map((s) => s.check?.state)).toEqual(LAB_STEP_IDS.map(() => 'passed'));
    expect(p.steps.every((s) => s.check?.checkedBy === 'admin')).toBe(true);
  });

  it('choosing the pair again starts the lab over; a bad pair is refused and changes nothing', async () => {
    const bad = await app.inject({
      method: 'PUT',
      url: '/api/clusters/lab/lab/pair',
      headers: admin.mutation,
      payload: { pair: { primary, standby: primary } },
    });
    expect(bad.statusCode).toBe(400);
    expect((await progress()).steps.every((s) => s.check?.state === 'passed')).toBe(true);
    const swapped = await app.inject({
      method: 'PUT',
      url: '/api/clusters/lab/lab/pair',
      headers: admin.mutation,
      payload: { pair: { primary: standby, standby: primary } },
    });
    expect(swapped.statusCode, swapped.body).toBe(200);
    const p = await progress();
    expect(p.pair).toEqual({ primary: standby, standby: primary });
    expect(p.steps.every((s) => s.check === null)).toBe(true);
  });
});
