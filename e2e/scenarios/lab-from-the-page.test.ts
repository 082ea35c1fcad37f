// The lab guide from the page, on two bare PostgreSQL 15 hosts: a student opens h1's Actions,
// reads the whole plan (phases), confirms, and walboard links the nodes, turns on archiving,
// copies h1 to h2, configures h2 as a hot standby and starts it. Rows written on h1 appear on h2,
// segments arrive in h2's archive directory, and the topology shows both paths. Then h2 is
// promoted: refused without a fence (with what would be lost shown), done with h1 fenced; h2
// takes writes and holds every row the test committed — checked with the test's own SQL.
import { readdir } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type HostInfo, type HostsRun, psql } from '../hosts/harness.ts';
import { OverviewPage } from '../pom/overview-page.ts';
import { type WalboardOnHosts, walboardOnHosts } from '../support/walboard-on-hosts.ts';

describe('the lab from the page: setup-replication, then a fenced promotion', () => {
  let t: WalboardOnHosts;
  let run: HostsRun;
  let page: OverviewPage;
  let h2: HostInfo;

  beforeAll(async () => {
    t = await walboardOnHosts({ versions: [15, 15], bare: true, browser: true });
    run = t.run;
    h2 = run.hosts[1] as HostInfo;
    page = new OverviewPage(await t.newPage());
    await page.open(t.wb.url);
    await page.waitForReachable('h1', true, 20_000);
    await page.waitForReachable('h2', true, 20_000);
  });
  afterAll(async () => t?.close());

  const p = () => page.page;
  const open = async (node: string, type: string) => {
    await p().getByTestId(`node-actions-${node}`).click();
    await p().getByTestId(`node-action-${node}-${type}`).click();
    await p().getByTestId('operation-dialog').waitFor();
  };
  const finished = async (state: string, timeout: number) =>
    p().locator(`[data-testid="operation-run"][data-state="${state}"]`).first().waitFor({ timeout });

  it('two bare servers: both cards say primary, no link is drawn', async () => {
    await page.waitForRole('h1', 'primary');
    await page.waitForRole('h2', 'primary');
    expect(await p().locator('[data-testid^="topology-link-"]').count()).toBe(0);
  });

  it('plans the whole guide as phases, runs it, and the page shows streaming and archive shipping', async () => {
    await open('h1', 'setup-replication');
    await p().getByTestId('operation-field-standbys-h2').check();
    await p().getByTestId('operation-dry-run').click();
    const plan = p().getByTestId('operation-plan');
    await plan.waitFor();
    const phases = await plan
      .getByTestId('plan-phase')
      .evaluateAll((els) => els.map((e) => e.getAttribute('data-phase')));
    expect(phases).toEqual([
      'preflight',
      'link-nodes',
      'configure-primary',
      'base-backup:h2',
      'configure-standby:h2',
      'start:h2',
      'verify',
    ]);
    // The base backup is planned again when it is reached: the page says so.
    expect(
      await plan
        .locator(
          '[data-testid="plan-phase"][data-phase="base-backup:h2"] [data-testid="plan-phase-replanned"]',
        )
        .count(),
    ).toBe(1);
    expect(await plan.textContent()).toContain('archive_command');
    await p().locator('[data-testid="operation-confirm"][data-destructive="true"]').click();
    await finished('succeeded', 180_000);

    await page.waitForRole('h2', 'standby', 20_000);
    await p().waitForSelector(
      '[data-testid="topology-link-h1-h2"][data-kind="streaming"][data-active="true"]',
      { timeout: 20_000 },
    );
    await p().waitForSelector(
      '[data-testid="topology-link-h1-h2"][data-kind="archive"][data-active="true"]',
      { timeout: 20_000 },
    );

    await psql(run, 'h1', 'CREATE TABLE lab_rows (id int PRIMARY KEY, note text)');
    await psql(run, 'h1', "INSERT INTO lab_rows SELECT g, 'row ' || g FROM generate_series(1, 2000) g");
    const lsn = (await psql<{ l: string }>(run, 'h1', 'SELECT pg_current_wal_lsn()::text AS l'))[0]?.l;
    for (let i = 0; i < 200; i++) {
      const r = await psql<{ ok: boolean }>(
        run,
        'h2',
        'SELECT pg_last_wal_replay_lsn() >= $1::pg_lsn AS ok',
        [lsn],
      );
      if (r[0]?.ok) break;
      await new Promise((res) => setTimeout(res, 50));
    }
    expect((await psql<{ n: string }>(run, 'h2', 'SELECT count(*)::text AS n FROM lab_rows'))[0]?.n).toBe(
      '2000',
    );
    await psql(run, 'h1', 'SELECT pg_switch_wal()');
    const segment = /^[0-9A-F]{24}$/;
    for (let i = 0; i < 100 && (await readdir(h2.archiveDir)).filter((f) => segment.test(f)).length < 2; i++)
      await new Promise((res) => setTimeout(res, 100));
    expect((await readdir(h2.archiveDir)).filter((f) => segment.test(f)).length).toBeGreaterThanOrEqual(2);
  });

  it('promote: refused while h1 accepts writes (the loss is shown), done with h1 fenced', async () => {
    await psql(run, 'h1', "INSERT INTO lab_rows SELECT g, 'late ' || g FROM generate_series(2001, 2500) g");
    await p().keyboard.press('Escape');
    await open('h2', 'promote');
    await p().getByTestId('operation-dry-run').click();
    await p().getByTestId('operation-plan-refusal').waitFor();
    await p().locator('[data-testid="operation-loss-check"][data-fence-needed="true"]').waitFor();
    expect(await p().getByTestId('loss-old-primary').textContent()).toContain('h1');
    expect(await p().getByTestId('operation-confirm').count()).toBe(0);
    expect((await psql<{ r: boolean }>(run, 'h2', 'SELECT pg_is_in_recovery() AS r'))[0]?.r).toBe(true);

    await p().getByTestId('operation-field-fence-stop-old-primary').check();
    await p().getByTestId('operation-dry-run').click();
    await p().locator('[data-testid="operation-plan"]:not([data-refused="true"])').waitFor();
    await p().locator('[data-testid="operation-confirm"][data-destructive="true"]').click();
    await finished('succeeded', 60_000);
    await p().locator('[data-testid="operation-promotion"][data-timeline="2"]').waitFor();
    expect(await p().getByTestId('operation-promotion-history').textContent()).toMatch(/^1\s+0\/[0-9A-F]+/);

    expect((await psql<{ r: boolean }>(run, 'h2', 'SELECT pg_is_in_recovery() AS r'))[0]?.r).toBe(false);
    expect((await psql<{ n: string }>(run, 'h2', 'SELECT count(*)::text AS n FROM lab_rows'))[0]?.n).toBe(
      '2500',
    );
    await psql(run, 'h2', "INSERT INTO lab_rows VALUES (2501, 'after promotion')");
    await expect(psql(run, 'h1', 'SELECT 1', [], { connectTimeoutMs: 2000 })).rejects.toThrow();
    await page.waitForRole('h2', 'primary', 20_000);
  });

  it('the Operations tab lists both runs with who and how they ended', async () => {
    await p().getByTestId('nav-operations').click();
    await p().getByTestId('history-page').waitFor();
    const rows = await p()
      .getByTestId('history-row')
      .evaluateAll((els) => els.map((e) => `${e.getAttribute('data-type')}:${e.getAttribute('data-state')}`));
    expect(rows.slice(0, 2)).toEqual(['promote:succeeded', 'setup-replication:succeeded']);
  });
});
