// `tls:` in walboard.yaml: the controller serves HTTPS, the session cookie is Secure, HSTS is sent.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AuthTestApp, startAuthTestApp } from '../auth/test-support/auth-app.ts';
import { TEST_ADMIN_PASSWORD } from '../auth/test-support/sign-in.ts';

function post(url: string, body: string): Promise<{ status: number; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method: 'POST', rejectUnauthorized: false, headers: { 'content-type': 'application/json' } },
      (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

describe('TLS', () => {
  let certDir: string;
  let t: AuthTestApp;
  beforeAll(async () => {
    certDir = mkdtempSync(join(tmpdir(), 'walboard-tls-'));
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:P-256',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=127.0.0.1',
        '-keyout',
        join(certDir, 'key.pem'),
        '-out',
        join(certDir, 'cert.pem'),
      ],
      { stdio: 'ignore' },
    );
    t = await startAuthTestApp({
      extraYaml: `tls: { certFile: ${join(certDir, 'cert.pem')}, keyFile: ${join(certDir, 'key.pem')} }`,
    });
  });
  afterAll(async () => {
    await t?.close();
    rmSync(certDir, { recursive: true, force: true });
  });

  it('serves HTTPS with a Secure session cookie and HSTS', async () => {
    const url = t.url.replace('http:', 'https:');
    const res = await post(
      `${url}/api/session`,
      JSON.stringify({ username: 'admin', password: TEST_ADMIN_PASSWORD }),
    );
    expect(res.status).toBe(200);
    const cookie = String(res.headers['set-cookie']);
    expect(cookie).toMatch(/; Secure/i);
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Strict/i);
    expect(String(res.headers['strict-transport-security'])).toContain('max-age=');
    expect(String(res.headers['content-security-policy'])).toContain('upgrade-insecure-requests');
  });
});
