import { type Browser, type BrowserContext, chromium } from 'playwright-core';

export const CHROMIUM = process.env.WALBOARD_CHROMIUM ?? '/usr/bin/chromium';

export interface BrowserHandle {
  browser: Browser;
  context: BrowserContext;
  close(): Promise<void>;
}

/**
 * Debian's Chromium, headless, with a fresh profile (playwright makes one per launch). The flags
 * keep it off the network (this machine's closed network refuses background connections) and,
 * as root, out of the sandbox it cannot create.
 */
export async function launchChromium(signedIn?: {
  url: string;
  admin: { cookie: string };
}): Promise<BrowserHandle> {
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  const context = await browser.newContext({ locale: 'en-US' });
  // Signed in as the controller's admin (its httpOnly session cookie), as after the login form.
  if (signedIn) await signInContext(context, signedIn.url, signedIn.admin.cookie);
  return {
    browser,
    context,
    close: async () => {
      await browser.close().catch(() => {});
    },
  };
}

/** Puts a session cookie ("walboard_session=…") into a browser context for `url`. */
export async function signInContext(context: BrowserContext, url: string, cookie: string): Promise<void> {
  const eq = cookie.indexOf('=');
  await context.addCookies([
    {
      name: cookie.slice(0, eq),
      value: cookie.slice(eq + 1),
      url,
      httpOnly: true,
      sameSite: 'Strict',
    },
  ]);
}
