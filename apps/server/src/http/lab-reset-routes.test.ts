import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { CSRF_HEADER, type SessionInfo } from '@walboard/shared/auth';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../app.ts';
import { addUser, signInInject } from '../auth/test-support/sign-in.ts';
import { createOrReuseLab, type Lab } from '../lab/create-lab.ts';
import { resetLab } from '../lab/reset-lab.ts';
import { freePort } from '../nodes/test-support/sshd-fixture.ts';

/** Signs the lab's admin in with the app's one-time link; returns the headers of a mutation. */
async function labAdmin(app: FastifyInstance): Promise<Record<string, string>> {
  const token = app.labLink?.token;
  if (!token) throw new Error('this app has no lab sign-in link');
  const res = await app.inject({ method: 'POST', url: '/api/session/link', payload: { token } });
  if (res.statusCode !== 200) throw new Error(`lab sign-in failed: ${res.statusCode} ${res.body}`);
  const cookie = /walboard_session=[^;]+/.exec(String(res.headers['set-cookie']))?.[0] ?? '';
  return { cookie, 'content-type': 'application/json', [CSRF_HEADER]: res.json<SessionInfo>().csrfToken };
}

describe('POST /api/lab/reset on the embedded lab (real servers)', () => {
  let dir: string;
  let lab: Lab;
  let app: FastifyInstance;
  let plain: FastifyInstance;
  let admin: Record<string, string>;
  let started: () => void = () => {};
  let resets = 0;
  const told: string[] = [];

  beforeAll(async () => {
    dir = await mkdtemp('/var/tmp/walboard-reset-route-');
    await chmod(dir, 0o755);
    lab = await createOrReuseLab({ dir: join(dir, 'lab'), ports: [await freePort(), await freePort()] });
    app = await buildApp({
      config: lab.config,
      env: lab.env,
      webDist: '/nonexistent',
      labReset: async () => {
        resets++;
        started();
        return resetLab(lab);
      },
    });
    app.onLabReset(() => {
      told.push('progress cleared');
    });
    await app.ready();
    admin = await labAdmin(app);
    // The same lab served without the hook (a walboard.yaml with labAutoLogin, not `npm start`).
    plain = await buildApp({
      config: { ...lab.config, dataDir: join(dir, 'plain') },
      env: lab.env,
      webDist: '/nonexistent',
    });
    await plain.ready();
  }, 120_000);

  afterAll(async () => {
    await app?.close();
    await plain?.close();
    await lab?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const reset = (headers: Record<string, string>, payload: unknown = { confirm: true }) =>
    app.inject({ method: 'POST', url: '/api/lab/reset', headers, payload: payload as object });
  const audits = () => app.store.audit.list({ limit: 20, action: 'lab.reset' });

  it('says on /api/health that this server can reset its lab; a server without the hook says nothing and has no route', async () => {
    expect((await app.inject({ method: 'GET', url: '/api/health' })).json()).toMatchObject({
      labReset: true,
    });
    expect((await plain.inject({ method: 'GET', url: '/api/health' })).json()).not.toHaveProperty('labReset');
    const res = await plain.inject({
      method: 'POST',
      url: '/api/lab/reset',
      headers: await labAdmin(plain),
      payload: { confirm: true },
    });
    expect(res.statusCode).toBe(404);
  });

  it('is for admins only, and needs confirm: true', async () => {
    await addUser(app, 'olga', 'operator', 'olga-password-123');
    const operator = await signInInject(app, 'olga', 'olga-password-123');
    expect((await reset(operator.mutation)).statusCode).toBe(403);
    for (const body of [{}, { confirm: false }, { confirm: 'yes' }]) {
      const res = await reset(admin, body);
      expect(res.statusCode).toBe(400);
      expect(res.json<{ message: string }>().message).toMatch(/confirm/);
    }
    expect(resets).toBe(0);
    expect(audits().filter((a) => a.result === 'refused')).toHaveLength(3);
  });

  it('holds the cluster while it resets: a second reset and any operation are refused with 409, then it answers the seconds', async () => {
    const running = new Promise<void>((r) => {
      started = r;
    });
    const first = reset(admin);
    await running;
    const second = await reset(admin);
    expect(second.statusCode).toBe(409);
    expect(second.json<{ message: string }>().message).toMatch(/cluster lab is busy: .*lab-reset.*by lab/);
    const op = await app.inject({
      method: 'POST',
      url: '/api/clusters/lab/operations',
      headers: admin,
      payload: { type: 'reload', node: 'node1', params: {} },
    });
    expect(op.statusCode, op.body).toBe(409);
    expect(op.json<{ error: string }>().error).toBe('WB_ERR_CLUSTER_BUSY');

    const done = await first;
    expect(done.statusCode, done.body).toBe(200);
    const body = done.json<{ seconds: number; nodes: string[] }>();
    expect(body.nodes).toEqual(['node1', 'node2']);
    expect(body.seconds).toBeGreaterThan(0);
    expect(body.seconds).toBeLessThan(30);
    expect(resets).toBe(1);
    expect(told).toEqual(['progress cleared']);
    const ok = audits().find((a) => a.result === 'ok');
    expect(ok?.username).toBe('lab');
    expect(ok?.message).toMatch(/two bare servers in [\d.]+ s/);
    expect(audits().filter((a) => a.result === 'refused' && /busy/.test(a.message))).toHaveLength(1);

    // Released: operations run again.
    const after = await app.inject({
      method: 'POST',
      url: '/api/clusters/lab/operations',
      headers: admin,
      payload: { type: 'reload', node: 'node1', params: {}, dryRun: true },
    });
    expect(after.statusCode, after.body).toBe(200);
  }, 90_000);
});
