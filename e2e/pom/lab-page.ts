import type { LabStepId } from '@walboard/shared/guide';
import type { Locator, Page } from 'playwright-core';

/** The Lab view as a student uses it: a step's Run (plan, confirm), its live output, its Check. */
export class LabPage {
  constructor(readonly page: Page) {}

  step(id: LabStepId): Locator {
    return this.page.getByTestId(`lab-step-${id}`);
  }

  async waitForLoaded(timeoutMs = 20_000): Promise<void> {
    await this.page.getByTestId('lab-step-prepare').waitFor({ timeout: timeoutMs });
  }

  /** Opens "the exact commands" of a step and answers their text once the plan is shown. */
  async commands(id: LabStepId): Promise<string> {
    const box = this.step(id).getByTestId('lab-step-commands');
    await box.locator('summary').click();
    await box.getByTestId('operation-plan').waitFor({ timeout: 30_000 });
    return (await box.getByTestId('operation-plan').textContent()) ?? '';
  }

  /** Run → the dialog → the plan → confirm, then waits for the step's run to end; answers its state. */
  async run(id: LabStepId, timeoutMs = 180_000): Promise<string> {
    await this.step(id).getByTestId('lab-step-run').click();
    const dialog = this.page.getByTestId('operation-dialog');
    await dialog.waitFor();
    await dialog.getByTestId('operation-dry-run').click();
    await dialog.getByTestId('operation-plan').waitFor({ timeout: 60_000 });
    await dialog.getByTestId('operation-confirm').click();
    await dialog.waitFor({ state: 'detached', timeout: 30_000 });
    const output = this.step(id).getByTestId('lab-step-output');
    await output.and(this.page.locator(':not([data-state="running"]):not([data-state="none"])')).waitFor({
      timeout: timeoutMs,
    });
    return (await output.getAttribute('data-state')) ?? '';
  }

  /** Presses Check and answers the state the step shows once the new result is in (passed / failed). */
  async check(id: LabStepId, timeoutMs = 60_000): Promise<string> {
    const result = this.step(id).getByTestId('lab-check-result');
    const before = (await result.count()) > 0 ? await result.getAttribute('data-checked-at') : null;
    await this.step(id).getByTestId('lab-step-check').click();
    const fresh = before
      ? `[data-testid="lab-check-result"]:not([data-checked-at="${before}"])`
      : '[data-testid="lab-check-result"]';
    await this.step(id).locator(fresh).waitFor({ timeout: timeoutMs });
    return (await this.step(id).getAttribute('data-state')) ?? '';
  }

  /** Checks again (a segment on its way, a standby connecting) until it passes or time is up. */
  async checkUntilPassed(id: LabStepId, timeoutMs = 30_000): Promise<void> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      if ((await this.check(id)) === 'passed') return;
      if (Date.now() > end) {
        const problem = await this.step(id).getByTestId('lab-check-problem').textContent();
        throw new Error(`the Check of ${id} did not pass: ${problem}`);
      }
      await this.page.waitForTimeout(500);
    }
  }

  /** The WAL journey's "Switch WAL segment" button: closes the primary's segment, waits for the answer. */
  async switchSegment(): Promise<string> {
    const outcome = this.page.getByTestId('journey-action-outcome');
    const before = (await outcome.textContent()) ?? '';
    await this.page.getByTestId('journey-switch-wal').click();
    await this.page.waitForFunction(
      (prev) => {
        const el = document.querySelector('[data-testid="journey-action-outcome"]');
        return el !== null && el.textContent !== prev && (el.textContent ?? '') !== '';
      },
      before,
      { timeout: 15_000 },
    );
    return (await outcome.textContent()) ?? '';
  }

  async facts(id: LabStepId): Promise<string[]> {
    return this.step(id).getByTestId('lab-check-fact').allTextContents();
  }
}
