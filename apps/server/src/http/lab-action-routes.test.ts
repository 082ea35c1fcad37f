// The journey's buttons as the real controller serves them: operator scope, a validated body,
// refusals that name the node, every attempt in the audit log. The nodes' PostgreSQL is not
// running here (what the route does on a live primary is proved in guide/lab-actions.test.ts
// and e2e/guide/wal-journey.test.ts).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AuthTestApp, startAuthTestApp } from '../auth/test-support/auth-app.ts';
import { addUser, type SignedIn, signInInject } from '../auth/test-support/sign-in.ts';

describe('POST /api/clusters/:cluster/lab/actions', () => {
  let t: AuthTestApp;
  let admin: SignedIn;
  let operator: SignedIn;
  let viewer: SignedIn;

  beforeAll(async () => {
    t = await startAuthTestApp();
    await addUser(t.app, 'olga', 'operator', 'olga-password-123', ['lab']);
    await addUser(t.app, 'vera', 'viewer', 'vera-password-123');
    admin = await signInInject(t.app);
    operator = await signInInject(t.app, 'olga', 'olga-password-123');
    viewer = await signInInject(t.app, 'vera', 'vera-password-123');
  });
  afterAll(async () => t?.close());

  const post = (who: SignedIn, body: unknown, cluster = 'lab') =>
    t.app.inject({
      method: 'POST',
      url: `/api/clusters/${cluster}/lab/actions`,
      headers: who.mutation,
      payload: JSON.stringify(body),
    });
  const lastAudit = () => t.app.store.audit.list({ limit: 1 })[0];

  it('is for operators: a viewer is refused (403) and nothing is asked of the node', async () => {
    const res = await post(viewer, { action: 'switch-wal', node: 'n1' });
    expect(res.statusCode).toBe(403);
    expect(res.json()).toMatchObject({ error: 'WB_ERR_FORBIDDEN' });
  });

  it('keeps an operator to the clusters it may see', async () => {
    const res = await post(operator, { action: 'switch-wal', node: 'o1' }, 'other');
    expect(res.statusCode).toBe(403);
  });

  it('refuses a body outside the schema (400), says which field, and audits it', async () => {
    for (const [body, field] of [
      [{ action: 'drop-table', node: 'n1' }, 'action'],
      [{ action: 'write-rows', node: 'n1', rows: 100_001 }, 'rows'],
      [{ action: 'write-rows', node: 'n1', rows: 0 }, 'rows'],
      [{ action: 'switch-wal', node: 'n1', sql: 'DROP TABLE x' }, '(body)'],
      [{ action: 'switch-wal', node: '../n1' }, 'node'],
    ] as const) {
      const res = await post(operator, body);
      expect(res.statusCode, JSON.stringify(body)).toBe(400);
      const answer = res.json<{ error: string; message: string }>();
      expect(answer.message).toContain(`lab action refused: ${field}`);
      expect(lastAudit()).toMatchObject({ action: 'lab.action', result: 'refused', username: 'olga' });
    }
  });

  it('refuses a node that is not configured (404, naming the ones that are)', async () => {
    const res = await post(admin, { action: 'switch-wal', node: 'n9' });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toMatchObject({ error: 'WB_ERR_NO_NODE', node: 'n9' });
    expect(res.json<{ message: string }>().message).toContain('n1, n2');
    expect(lastAudit()).toMatchObject({ action: 'lab.switch-wal', target: 'lab/n9', result: 'refused' });
  });

  it('refuses a node whose server is down (409 naming it, with what to do), audited', async () => {
    const res = await post(operator, { action: 'write-rows', node: 'n1', rows: 1000 });
    expect(res.statusCode).toBe(409);
    const body = res.json<{ error: string; message: string; node: string }>();
    expect(body).toMatchObject({ error: 'WB_ERR_NODE_UNAVAILABLE', node: 'n1' });
    expect(body.message).toMatch(/^n1 cannot be asked right now \(.+\): start it/);
    expect(lastAudit()).toMatchObject({
      action: 'lab.write-rows',
      target: 'lab/n1',
      result: 'refused',
      username: 'olga',
      detail: { cluster: 'lab', node: 'n1', rows: 1000, code: 'WB_ERR_NODE_UNAVAILABLE' },
    });
  });

  it('defaults write-rows to 1,000 rows', async () => {
    await post(operator, { action: 'write-rows', node: 'n2' });
    expect(lastAudit()?.detail).toMatchObject({ node: 'n2', rows: 1000 });
  });
});
