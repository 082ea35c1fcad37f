import type { Locator, Page } from 'playwright-core';

/** The overview page as a user sees it: one card per node. */
export class OverviewPage {
  constructor(readonly page: Page) {}

  async open(url: string): Promise<void> {
    await this.page.goto(url);
  }

  card(node: string): Locator {
    return this.page.getByTestId(`node-card-${node}`);
  }

  field(
    node: string,
    field: 'role' | 'version' | 'timeline' | 'current-lsn' | 'receive-lsn' | 'replay-lsn' | 'reachability',
  ) {
    return this.card(node).getByTestId(`node-${field}`);
  }

  /** Waits until the card shows this role (the raw enum is on data-role). */
  async waitForRole(
    node: string,
    role: 'primary' | 'standby' | 'unknown',
    timeoutMs = 15_000,
  ): Promise<void> {
    await this.page.waitForSelector(`[data-testid="node-card-${node}"][data-role="${role}"]`, {
      timeout: timeoutMs,
    });
  }

  async waitForReachable(node: string, reachable: boolean, timeoutMs: number): Promise<void> {
    await this.page.waitForSelector(`[data-testid="node-card-${node}"][data-reachable="${reachable}"]`, {
      timeout: timeoutMs,
      // A short polling step: the time measured is walboard's, not the test's.
      state: 'attached',
    });
  }

  async text(node: string, field: Parameters<OverviewPage['field']>[1]): Promise<string> {
    return ((await this.field(node, field).textContent()) ?? '').trim();
  }

  async switchLanguage(lang: 'en' | 'es'): Promise<void> {
    await this.page.getByTestId(`lang-${lang}`).click();
  }
}
