import type { Locator, Page } from 'playwright-core';

/** The log panel as a user sees it: one node's log at a time, picked by its tab. */
export class LogsPanel {
  constructor(readonly page: Page) {}

  panel(node: string): Locator {
    return this.page.getByTestId(`log-panel-${node}`);
  }

  async show(node: string): Promise<void> {
    await this.page.getByTestId(`log-tab-${node}`).click();
    await this.panel(node).waitFor();
  }

  /** Lines of the node's panel whose text contains `text`. */
  lines(node: string, text: string): Locator {
    return this.panel(node).getByTestId('log-line').filter({ hasText: text });
  }

  filter(node: string): Locator {
    return this.panel(node).getByTestId('log-filter');
  }

  button(node: string, which: 'pause' | 'follow'): Locator {
    return this.panel(node).getByTestId(`log-${which}`);
  }
}
