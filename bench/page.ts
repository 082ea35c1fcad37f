import type { Page } from '../e2e/support/bench-deps.ts';
import type { BrowserHandle } from '../e2e/support/browser.ts';

/**
 * A fresh page for the bench. tsx compiles with esbuild's keepNames, so functions handed to
 * page.evaluate call a `__name` helper that only exists in Node: the page gets a no-op one.
 */
export async function newBenchPage(browser: BrowserHandle): Promise<Page> {
  const page = await browser.context.newPage();
  await page.addInitScript({ content: 'window.__name = (f) => f;' });
  return page;
}
