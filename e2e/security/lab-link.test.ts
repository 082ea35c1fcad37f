// The embedded lab's sign-in, tried in a real browser: opening the page from 127.0.0.1 is not
// enough (any local account or port forwarder could); the one-time link printed at start signs
// one browser in, leaves the address bar, and a second browser with the same link gets the form.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BrowserHandle, launchChromium } from '../support/browser.ts';
import { type LabApp, startLabApp } from '../support/lab-app.ts';

describe("the lab's one-time sign-in link, in a browser", () => {
  let labApp: LabApp;
  let base: string;
  let browser: BrowserHandle;

  beforeAll(async () => {
    labApp = await startLabApp('walboard-lab-link');
    base = labApp.base;
    browser = await launchChromium();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await labApp?.close();
  });

  it('127.0.0.1 alone gets the login form, not the lab admin', async () => {
    const page = await browser.context.newPage();
    await page.goto(base);
    await page.getByTestId('login-form').waitFor({ timeout: 10_000 });
    expect(await page.getByTestId('auto-login-notice').count()).toBe(0);
    await page.close();
  });

  it('the printed link signs this browser in once; the token leaves the address bar; a second browser gets the form', async () => {
    const link = labApp.link;
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
