// Prometheus scrapes /api/metrics with a bearer token (auth.metricsTokenEnv); that token opens
// nothing else, and a user limited to one cluster scrapes only that cluster.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AuthTestApp, startAuthTestApp } from '../auth/test-support/auth-app.ts';
import { addUser, signInInject } from '../auth/test-support/sign-in.ts';

const TOKEN = 'scrape-token-0123456789abcdef';

describe('metrics access', () => {
  let t: AuthTestApp;
  beforeAll(async () => {
    t = await startAuthTestApp({
      extraYaml: 'auth: { metricsTokenEnv: WALBOARD_METRICS_TOKEN }',
      env: { WALBOARD_METRICS_TOKEN: TOKEN },
    });
  });
  afterAll(async () => t?.close());

  const get = (url: string, headers: Record<string, string>) => t.app.inject({ method: 'GET', url, headers });

  it('serves metrics to the bearer token, and only metrics', async () => {
    const ok = await get('/api/metrics', { authorization: `Bearer ${TOKEN}` });
    expect(ok.statusCode).toBe(200);
    expect(ok.body).toContain('cluster="other"');
    expect((await get('/api/metrics', { authorization: 'Bearer wrong' })).statusCode).toBe(401);
    expect((await get('/api/metrics', {})).statusCode).toBe(401);
    for (const url of ['/api/clusters', '/api/clusters/lab', '/api/users', '/api/audit']) {
      expect((await get(url, { authorization: `Bearer ${TOKEN}` })).statusCode, url).toBe(401);
    }
  });

  it('gives a viewer of one cluster the metrics of that cluster only', async () => {
    await addUser(t.app, 'lena', 'viewer', 'lena-password-123', ['lab']);
    const lena = await signInInject(t.app, 'lena', 'lena-password-123');
    const res = await get('/api/metrics', { cookie: lena.cookie });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('cluster="lab"');
    expect(res.body).not.toContain('cluster="other"');
  });
});
