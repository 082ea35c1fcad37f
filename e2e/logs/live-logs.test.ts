// Live logs on a real host: an error on h1's PostgreSQL shows up on the page, highlighted, and a
// log line carrying HTML and an ANSI escape is shown as text.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type HostsRun, psql } from '../hosts/harness.ts';
import { OverviewPage } from '../pom/overview-page.ts';
import { LogsPanel } from '../support/logs-panel.ts';
import type { RunningWalboard } from '../support/walboard.ts';
import { type WalboardOnHosts, walboardOnHosts } from '../support/walboard-on-hosts.ts';

describe('live logs on the page', () => {
  let t: WalboardOnHosts;
  let run: HostsRun;
  let wb: RunningWalboard;
  let overview: OverviewPage;
  let logs: LogsPanel;

  beforeAll(async () => {
    t = await walboardOnHosts({ browser: true });
    ({ run, wb } = t);
    const page = await t.newPage();
    overview = new OverviewPage(page);
    logs = new LogsPanel(page);
    await overview.open(wb.url);
    await overview.waitForRole('h1', 'primary');
    await logs.show('h1');
  });

  afterAll(async () => t?.close());

  it('shows "division by zero" from h1 as an ERROR line, live', async () => {
    await expect(psql(run, 'h1', 'SELECT 1/0')).rejects.toThrow(/division by zero/);
    const line = logs.lines('h1', 'ERROR:  division by zero').last();
    await line.waitFor({ timeout: 10_000 });
    expect(await line.getAttribute('data-level')).toBe('ERROR');
    // Its STATEMENT line belongs to the error and is highlighted with it.
    const statement = logs.lines('h1', 'STATEMENT:  SELECT 1/0').last();
    await statement.waitFor({ timeout: 5_000 });
    expect(await statement.getAttribute('data-level')).toBe('ERROR');
    // Highlighted: red, unlike a LOG line.
    const color = await line.evaluate((el) => getComputedStyle(el).backgroundColor);
    expect(color).not.toBe('rgba(0, 0, 0, 0)');
  });

  it('shows HTML and an ANSI escape in a log line as text, never interpreted', async () => {
    await psql(run, 'h1', String.raw`DO $$BEGIN RAISE LOG E'walboard-e2e <b>bold</b> \x1b[31mred'; END$$`);
    // The LOG line itself; its STATEMENT line quotes the SQL source, where \x1b is four characters.
    const line = logs.lines('h1', 'LOG:  walboard-e2e').last();
    await line.waitFor({ timeout: 10_000 });
    const text = (await line.textContent()) ?? '';
    expect(text).toContain('walboard-e2e <b>bold</b> ␛[31mred');
    expect(await line.getAttribute('data-level')).toBe('LOG');
    expect(await logs.panel('h1').locator('b').count()).toBe(0);
  });

  it('filters by text, and while paused counts new lines without moving the view', async () => {
    await logs.filter('h1').fill('DIVISION BY');
    await logs.panel('h1').getByTestId('log-line').first().waitFor();
    const shown = await logs.panel('h1').getByTestId('log-line').allTextContents();
    expect(shown.length).toBeGreaterThan(0);
    expect(shown.every((t) => t.toLowerCase().includes('division by'))).toBe(true);

    await logs.button('h1', 'pause').click();
    await psql(run, 'h1', "DO $$BEGIN RAISE WARNING 'walboard-paused: division by nothing'; END$$");
    const unseen = logs.panel('h1').getByTestId('log-unseen');
    await overview.page.waitForFunction(
      () => /[1-9]/.test(document.querySelector('[data-testid="log-unseen"]')?.textContent ?? ''),
      undefined,
      { timeout: 10_000 },
    );
    expect(await unseen.textContent()).toMatch(/[1-9]\d* new lines/);
    expect(await logs.lines('h1', 'walboard-paused').count()).toBe(0);

    await logs.button('h1', 'follow').click();
    const warning = logs.lines('h1', 'WARNING:  walboard-paused').first();
    await warning.waitFor({ timeout: 5_000 });
    expect(await warning.getAttribute('data-level')).toBe('WARNING');
    await logs.filter('h1').fill('');
    expect(await logs.panel('h1').getByTestId('log-dropped').count()).toBe(0);
  });
});
