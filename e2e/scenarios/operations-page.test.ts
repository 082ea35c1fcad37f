// Operations from the page, the way the lab does them by hand: the DBA opens a node's Actions,
// sees exactly what will run (argv, SQL with its bound value), confirms, and follows the result
// live — a replication slot created on h1, then h1 stopped and started again.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type HostsRun, psql } from '../hosts/harness.ts';
import { OverviewPage } from '../pom/overview-page.ts';
import type { RunningWalboard } from '../support/walboard.ts';
import { type WalboardOnHosts, walboardOnHosts } from '../support/walboard-on-hosts.ts';

describe('operations from the page', () => {
  let t: WalboardOnHosts;
  let run: HostsRun;
  let wb: RunningWalboard;
  let page: OverviewPage;

  beforeAll(async () => {
    t = await walboardOnHosts({ browser: true });
    ({ run, wb } = t);
    page = new OverviewPage(await t.newPage());
    await page.open(wb.url);
    await page.waitForReachable('h1', true, 20_000);
  });

  afterAll(async () => t?.close());

  const p = () => page.page;
  const open = async (type: string) => {
    await p().getByTestId('node-actions-h1').click();
    await p().getByTestId(`node-action-h1-${type}`).click();
    await p().getByTestId('operation-dialog').waitFor();
  };
  const succeeded = () =>
    p()
      .locator('[data-testid="operation-state"][data-state="succeeded"]')
      .first()
      .waitFor({ timeout: 30_000 });

  it('keeps the Actions list open while another box on the page scrolls (a live log pane); a page scroll closes it', async () => {
    await p().getByTestId('node-actions-h1').click();
    const item = p().getByTestId('node-action-h1-stop');
    await item.waitFor();
    // The scroll event a box elsewhere fires when it follows its newest line (as LogList does).
    await p().evaluate(() => {
      const box = document.createElement('div');
      box.id = 'wb-test-scroller';
      document.body.append(box);
      box.dispatchEvent(new Event('scroll'));
    });
    await p().waitForTimeout(100);
    expect(await item.isVisible(), 'the list stays open').toBe(true);
    // The page itself scrolling moves the button: the list closes rather than drift.
    await p().evaluate(() => {
      document.getElementById('wb-test-scroller')?.remove();
      document.dispatchEvent(new Event('scroll'));
    });
    await item.waitFor({ state: 'hidden', timeout: 2_000 });
  });

  it('shows the SQL and its bound slot name before creating the slot, then creates it', async () => {
    await open('create-slot');
    await p().getByTestId('operation-field-slotName').fill('standby_h2');
    await p().getByTestId('operation-dry-run').click();
    const plan = p().getByTestId('operation-plan');
    await plan.waitFor();
    expect(await plan.getByTestId('step-sql').textContent()).toContain(
      'pg_create_physical_replication_slot($1)',
    );
    expect(await plan.getByTestId('step-sql-param').textContent()).toContain('standby_h2');
    const slotsBefore = await psql(run, 'h1', 'SELECT slot_name FROM pg_replication_slots');
    expect(slotsBefore).toEqual([]); // the plan ran nothing
    await p().getByTestId('operation-confirm').click();
    await succeeded();
    expect(await psql(run, 'h1', 'SELECT slot_name FROM pg_replication_slots')).toEqual([
      { slot_name: 'standby_h2' },
    ]);
  });

  it('marks stop as destructive with its exact pg_ctl argv, and the card follows stop and start', async () => {
    await open('stop');
    await p().getByTestId('operation-dry-run').click();
    const plan = p().locator('[data-testid="operation-plan"][data-destructive="true"]');
    await plan.waitFor();
    const argv = await plan.getByTestId('argv-item').allTextContents();
    expect(argv[0]).toMatch(/\/pg_ctl$/);
    expect(argv.slice(1, 4)).toEqual(['stop', '-D', run.hosts[0]?.pg.dataDir]);
    expect(argv).toContain('fast');
    await p().locator('[data-testid="operation-confirm"][data-destructive="true"]').click();
    await page.waitForReachable('h1', false, 20_000);

    await open('start');
    await p().getByTestId('operation-plan').waitFor();
    await p().getByTestId('operation-confirm').click();
    await page.waitForReachable('h1', true, 30_000);
    await page.waitForRole('h1', 'primary');
    // The server accepts connections before the start operation's last check has ended and been
    // audited: read the audit once the operation is over (at most 10 s).
    const audited = async () => {
      const res = await fetch(`${wb.url}/api/audit?limit=20`, { headers: { cookie: wb.admin.cookie } });
      return ((await res.json()) as { entries: { action: string; result: string }[] }).entries
        .filter((e) => e.action.startsWith('operation.'))
        .map((e) => `${e.action} ${e.result}`);
    };
    let actions = await audited();
    for (const until = Date.now() + 10_000; actions.length < 3 && Date.now() < until; ) {
      await new Promise((r) => setTimeout(r, 100));
      actions = await audited();
    }
    expect(actions).toEqual(['operation.start ok', 'operation.stop ok', 'operation.create-slot ok']);
  });
});
