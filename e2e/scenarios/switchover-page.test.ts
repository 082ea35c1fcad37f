// A planned switchover clicked on the page, as a DBA or a student does it: h2's Actions, the plan
// with its phases before anything runs, confirm, then each phase with how long it took — and the
// cards swap roles. The result is checked with the test's own SQL on both hosts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type HostInfo, psql } from '../hosts/harness.ts';
import { OverviewPage } from '../pom/overview-page.ts';
import { runOperation, whyFailed } from '../support/operations-api.ts';
import { type WalboardOnHosts, waitForNodesUp, walboardOnHosts } from '../support/walboard-on-hosts.ts';

describe('switchover from the page on two PostgreSQL 15 hosts', () => {
  let t: WalboardOnHosts;
  let page: OverviewPage;
  let h2: HostInfo;

  beforeAll(async () => {
    t = await walboardOnHosts({ versions: [15, 15], bare: true, browser: true });
    h2 = t.run.hosts[1] as HostInfo;
    await waitForNodesUp(t.wb);
    const op = await runOperation(t.wb, {
      type: 'setup-replication',
      node: 'h1',
      params: { standbys: ['h2'] },
    });
    expect(op.state, whyFailed(op)).toBe('succeeded');
    await psql(t.run, 'h1', 'CREATE TABLE before_swap AS SELECT g AS id FROM generate_series(1, 100) g');
    page = new OverviewPage(await t.newPage());
    await page.open(t.wb.url);
    await page.waitForRole('h2', 'standby', 20_000);
  }, 120_000);
  afterAll(async () => t?.close());

  it('shows the phases before it runs, then each phase with its duration; the cards swap roles', async () => {
    const p = page.page;
    await p.getByTestId('node-actions-h2').click();
    await p.getByTestId('node-action-h2-switchover').click();
    await p.getByTestId('operation-dialog').waitFor();
    await p.getByTestId('operation-dry-run').click();
    const plan = p.locator('[data-testid="operation-plan"][data-destructive="true"]');
    await plan.locator('[data-testid="plan-phase"][data-phase="rejoin"]').waitFor();
    const planned = await plan
      .getByTestId('plan-phase')
      .evaluateAll((els) => els.map((e) => e.getAttribute('data-phase')));
    expect(planned).toEqual(['prepare', 'stop-writes', 'verify', 'promote', 'rejoin']);
    expect(await plan.textContent()).toContain('Stop writes: fast shutdown of h1');
    // The plan ran nothing: h1 still takes writes, h2 still replays.
    expect((await psql<{ r: boolean }>(t.run, 'h1', 'SELECT pg_is_in_recovery() AS r'))[0]?.r).toBe(false);

    await p.locator('[data-testid="operation-confirm"][data-destructive="true"]').click();
    const run = p
      .locator('[data-testid="operation-run"][data-state="succeeded"]')
      .filter({ has: p.locator('[data-testid="operation-phase"][data-phase="stop-writes"]') });
    await run.waitFor({ timeout: 30_000 });
    const phases = run.locator('[data-testid="operation-phase"]');
    expect(await phases.evaluateAll((els) => els.map((e) => e.getAttribute('data-phase')))).toEqual([
      'prepare',
      'stop-writes',
      'verify',
      'promote',
      'rejoin',
    ]);
    const durations = await phases.getByTestId('operation-phase-duration').allTextContents();
    expect(durations).toHaveLength(5);
    for (const d of durations) expect(d).toMatch(/^took \d/);

    await page.waitForRole('h2', 'primary', 15_000);
    await page.waitForRole('h1', 'standby', 15_000);
    // The test's own SQL: h2 takes writes and holds the rows from before; h1 streams from h2.
    await psql(t.run, 'h2', 'INSERT INTO before_swap VALUES (101)');
    expect(
      (await psql<{ n: string }>(t.run, 'h2', 'SELECT count(*)::text AS n FROM before_swap'))[0]?.n,
    ).toBe('101');
    const receiver = await psql<{ status: string; sender_host: string }>(
      t.run,
      'h1',
      'SELECT status, sender_host FROM pg_stat_wal_receiver',
    );
    expect(receiver).toEqual([{ status: 'streaming', sender_host: h2.ip }]);
  });
});
