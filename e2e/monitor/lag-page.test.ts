// The replication part of the page, in Chromium, on a real 15 → 15 pair: the primary's WAL sender
// row, the standby's receiver and its lag (0 s while idle, with the raw number in data-value),
// and the archiver alarm showing PostgreSQL's own error line when archive_command fails.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type HostInfo, type HostsRun, psql } from '../hosts/harness.ts';
import { OverviewPage } from '../pom/overview-page.ts';
import { buildStandby, enableArchiving, switchWal } from '../support/replication.ts';
import type { RunningWalboard } from '../support/walboard.ts';
import { type WalboardOnHosts, walboardOnHosts } from '../support/walboard-on-hosts.ts';

describe('replication on the page: senders, receiver, lag, archiver alarm', () => {
  let run: HostsRun;
  let t: WalboardOnHosts;
  let wb: RunningWalboard;
  let page: OverviewPage;
  let h1: HostInfo;
  let h2: HostInfo;

  beforeAll(async () => {
    t = await walboardOnHosts({
      versions: [15, 15],
      browser: true,
      prepare: async (r) => {
        run = r;
        const [a, b] = run.hosts;
        if (!a || !b) throw new Error('the harness did not create two hosts');
        [h1, h2] = [a, b];
        await buildStandby(run, h1, h2);
        await psql(run, h1, 'CREATE TABLE e2e_page (id int)');
      },
    });
    wb = t.wb;
    page = new OverviewPage(await t.newPage());
    await page.open(wb.url);
  });

  afterAll(async () => t?.close());

  const lagSeconds = () => page.card('h2').getByTestId('node-lag-seconds');

  it("shows the primary's WAL sender row and the standby's receiver", async () => {
    await page.waitForRole('h1', 'primary');
    await page.waitForRole('h2', 'standby');
    const row = page.card('h1').getByTestId('node-senders').getByTestId('sender-row-h2');
    await row.waitFor({ timeout: 10_000 });
    expect(await row.getByTestId('sender-state').textContent()).toBe('streaming');
    expect(await row.textContent()).toContain(h2.ip);
    const receiver = page.card('h2').getByTestId('node-receiver');
    expect(await receiver.getByTestId('receiver-status').textContent()).toBe('streaming');
    expect(await receiver.getByTestId('receiver-sender').textContent()).toBe(`${h1.ip}:5432`);
  });

  it('shows lag 0 s and 0 B on the standby card while the primary is idle, sample after sample', async () => {
    await page.page.waitForSelector(
      '[data-testid="node-card-h2"] [data-testid="node-lag-seconds"][data-value="0"]',
      { timeout: 10_000 },
    );
    for (let i = 0; i < 12; i++) {
      expect(await lagSeconds().getAttribute('data-value')).toBe('0');
      expect(await lagSeconds().textContent()).toBe('0 s');
      expect(await page.card('h2').getByTestId('node-lag-bytes').getAttribute('data-value')).toBe('0');
      // The source of the number is one hover away.
      expect(await lagSeconds().getAttribute('title')).toMatch(/replayed everything/);
      await page.page.waitForTimeout(250); // sampling the page over 3 s, not waiting for an event
    }
  });

  it('raises a red archiver alarm with the error line when archive_command fails', async () => {
    await enableArchiving(run, h1, '/bin/false');
    await switchWal(run, h1);
    const alarm = page.card('h1').getByTestId('archiver-alarm');
    await alarm.waitFor({ timeout: 20_000 });
    await page.page.waitForFunction(
      () =>
        /archive command failed with exit code 1/.test(
          document.querySelector('[data-testid="node-card-h1"] [data-testid="archiver-error"]')
            ?.textContent ?? '',
        ),
      undefined,
      { timeout: 10_000 },
    );
    expect(await alarm.getByTestId('archiver-error').textContent()).toMatch(/\/bin\/false/);
    expect(
      Number(await page.card('h1').getByTestId('node-ready-files').getAttribute('data-value')),
    ).toBeGreaterThanOrEqual(1);
  });
});
