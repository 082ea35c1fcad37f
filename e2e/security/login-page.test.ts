// The page as a stranger, an admin and a viewer see it: the login form first (no live feed before
// it), wrong passwords refused, an admin who creates a viewer on the Users page and finds it in
// the Audit log, a viewer without the Actions menu — and not one Content-Security-Policy
// violation on the way (helmet's strict CSP is what the page is served with).

import { TEST_ADMIN_PASSWORD } from '@walboard/server/src/auth/test-support/sign-in.ts';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningWalboard } from '../support/walboard.ts';
import { type WalboardOnHosts, walboardOnHosts } from '../support/walboard-on-hosts.ts';

describe('signing in on the page', () => {
  let t: WalboardOnHosts;
  let wb: RunningWalboard;
  let page: Page;
  const cspViolations: string[] = [];
  const sockets: string[] = [];

  beforeAll(async () => {
    t = await walboardOnHosts({ browser: true, signedIn: false });
    ({ wb } = t);
    page = await t.newPage();
    page.on('console', (m) => {
      if (/Content[- ]Security[- ]Policy/i.test(m.text())) cspViolations.push(m.text());
    });
    await page.addInitScript({
      content: `document.addEventListener('securitypolicyviolation', (e) => {
        (window.__csp ??= []).push(e.violatedDirective + ' ' + e.blockedURI);
      });`,
    });
    page.on('websocket', (ws) => sockets.push(ws.url()));
  });

  afterAll(async () => t?.close());

  const signIn = async (user: string, password: string) => {
    await page.getByTestId('login-username').fill(user);
    await page.getByTestId('login-password').fill(password);
    await page.getByTestId('login-submit').click();
  };
  const pageViolations = () => page.evaluate(() => (window as unknown as { __csp?: string[] }).__csp ?? []);

  it('shows only the login form to a stranger, and opens no live feed', async () => {
    await page.goto(wb.url);
    await page.getByTestId('login-form').waitFor({ timeout: 10_000 });
    expect(await page.getByTestId('node-card-h1').count()).toBe(0);
    expect(sockets).toEqual([]);
  });

  it('refuses a wrong password, then signs the admin in to the live overview', async () => {
    await signIn('admin', 'not-the-password');
    await page.getByTestId('login-error').waitFor({ timeout: 5_000 });
    await signIn('admin', TEST_ADMIN_PASSWORD);
    await page.locator('[data-testid="node-card-h1"][data-reachable="true"]').waitFor({ timeout: 20_000 });
    expect(await page.getByTestId('session-user').textContent()).toContain('admin');
  });

  it('lets the admin create a viewer on the Users page and see it in the Audit log', async () => {
    await page.getByTestId('nav-users').click();
    await page.getByTestId('users-page').waitFor();
    await page.getByTestId('user-create-username').fill('vera');
    await page.getByTestId('user-create-password').fill('vera-password-123');
    await page.getByTestId('user-create-role').selectOption('viewer');
    await page.getByTestId('user-create-submit').click();
    await page.getByTestId('user-row-vera').waitFor({ timeout: 5_000 });

    await page.getByTestId('nav-audit').click();
    await page.getByTestId('audit-page').waitFor();
    await page.locator('[data-testid="audit-row"][data-action="user.create"][data-result="ok"]').waitFor();
    await page
      .locator('[data-testid="audit-row"][data-action="login"][data-result="refused"]')
      .first()
      .waitFor();
  });

  it('signs out on the server, and a viewer gets no Actions menu nor admin pages', async () => {
    await page.getByTestId('logout').click();
    await page.getByTestId('login-form').waitFor({ timeout: 5_000 });
    const res = await page.request.get(`${wb.url}/api/clusters`);
    expect(res.status()).toBe(401);

    await signIn('vera', 'vera-password-123');
    await page.getByTestId('node-card-h1').waitFor({ timeout: 20_000 });
    expect(await page.getByTestId('node-actions-h1').count()).toBe(0);
    expect(await page.getByTestId('nav-users').count()).toBe(0);
    const users = await page.request.get(`${wb.url}/api/users`);
    expect(users.status()).toBe(403);
  });

  it('ran every page above without a Content-Security-Policy violation', async () => {
    expect(await pageViolations()).toEqual([]);
    expect(cspViolations).toEqual([]);
  });
});
