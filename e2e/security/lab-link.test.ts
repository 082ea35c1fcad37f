// The embedded lab's sign-in, tried in a real browser: opening the page from 127.0.0.1 is not
// enough (any local account or port forwarder could); the one-time link printed at start signs
// one browser in, leaves the address bar, and a second browser with the same link gets the form.
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { buildApp } from '@walboard/server/src/app.ts';
import { createOrReuseLab, type Lab } from '@walboard/server/src/lab/create-lab.ts';
import { freePort } from '@walboard/server/src/nodes/test-support/sshd-fixture.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BrowserHandle, launchChromium } from '../support/browser.ts';
import { WEB_DIST } from '../support/walboard.ts';

describe("the lab's one-time sign-in link, in a browser", () => {
  let dir: string;
  let lab: Lab;
  let app: Awaited<ReturnType<typeof buildApp>>;
  let base: string;
  let browser: BrowserHandle;

  beforeAll(async () => {
    // Under /var/tmp: as root the lab's servers run as another user, who must reach the folder.
    dir = await mkdtemp('/var/tmp/walboard-lab-link-');
    await chmod(dir, 0o755);
    lab = await createOrReuseLab({
      dir: join(dir, 'lab'),
      ports: [await freePort(), await freePort()],
      log: () => {},
    });
    app = await buildApp({ config: lab.config, env: lab.env, webDist: WEB_DIST, announce: () => {} });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const addr = app.server.address();
    base = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
    browser = await launchChromium();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await lab?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('127.0.0.1 alone gets the login form, not the lab admin', async () => {
    const page = await browser.context.newPage();
    await page.goto(base);
    await page.getByTestId('login-form').waitFor({ timeout: 10_000 });
    expect(await page.getByTestId('auto-login-notice').count()).toBe(0);
    await page.close();
  });

  it('the printed link signs this browser in once; the token leaves the address bar; a second browser gets the form', async () => {
    const link = app.labLink?.url(base);
    if (!link) throw new Error('the lab has no sign-in link');
    const page = await browser.context.newPage();
    await page.goto(link);
    await page.getByTestId('auto-login-notice').waitFor({ timeout: 10_000 });
    expect(await page.getByTestId('auto-login-notice').textContent()).toMatch(
      /Signed in as lab with the lab's one-time link/,
    );
    expect(page.url()).not.toContain('token');
    // A reload keeps the session (the cookie), not the token.
    await page.reload();
    await page.getByTestId('auto-login-notice').waitFor({ timeout: 10_000 });

    const other = await browser.browser.newContext({ locale: 'en-US' });
    try {
      const second = await other.newPage();
      await second.goto(link);
      await second.getByTestId('login-form').waitFor({ timeout: 10_000 });
      expect(await second.getByTestId('login-notice').textContent()).toMatch(
        /This sign-in link cannot be used/,
      );
      expect(second.url()).not.toContain('token');
    } finally {
      await other.close();
    }
  });
});
