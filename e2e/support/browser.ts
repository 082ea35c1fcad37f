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
export async function launchChromium(): Promise<BrowserHandle> {
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
  return {
    browser,
    context,
    close: async () => {
      await browser.close().catch(() => {});
    },
  };
}
