// Stopping a server from walboard, the two cases where a by-hand `pg_ctl stop` goes wrong:
//  - smart mode waits for every client, and walboard is one: it lets go of its own sessions, and
//    the card says "shutting down" while another client keeps the server up;
//  - a fast stop with WAL still to archive: the plan says how many segments wait, the step shows
//    them draining, and pg_ctl's wait follows the backlog instead of a fixed 60 s.
import type { Operation } from '@walboard/shared/operations';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  down,
  type HostInfo,
  type HostsRun,
  psql,
  runOnHost,
  startPg,
  stopPg,
  up,
} from '../hosts/harness.ts';
import { OverviewPage } from '../pom/overview-page.ts';
import { type BrowserHandle, launchChromium } from '../support/browser.ts';
import { closeWalboardWithin } from '../support/close-walboard.ts';
import {
  getOperation,
  planOperation,
  runOperation,
  startOperation,
  whyFailed,
} from '../support/operations-api.ts';
import { configForHosts, type RunningWalboard, startWalboard } from '../support/walboard.ts';

async function pgCtlStatus(run: HostsRun, h: HostInfo): Promise<number | null> {
  const r = await runOnHost(run, h, [`${h.pg.binDir}/pg_ctl`, 'status', '-D', h.pg.dataDir], {
    asUser: 'postgres',
    check: false,
  });
  return r.code;
}

describe('stopping a server: smart mode and an archiving backlog', () => {
  let run: HostsRun;
  let h1: HostInfo;
  let wb: RunningWalboard;
  let browser: BrowserHandle;
  let page: OverviewPage;

  beforeAll(async () => {
    run = await up(1, [15]);
    const [a] = run.hosts;
    if (!a) throw new Error('the harness did not create a host');
    h1 = a;
    wb = await startWalboard(configForHosts(run).config, h1.pg.password);
    const until = Date.now() + 15_000;
    while (wb.app.monitor.snapshot('lab')?.nodes[0]?.reachability.pg !== 'up') {
      if (Date.now() > until) throw new Error('h1 never showed up in the monitor');
      await new Promise((r) => setTimeout(r, 100));
    }
    browser = await launchChromium(wb);
    page = new OverviewPage(await browser.context.newPage());
    await page.open(wb.url);
    await page.waitForReachable('h1', true, 15_000);
  });

  afterAll(async () => {
    await browser?.close();
    await closeWalboardWithin(wb);
    if (run) await down(run);
  });

  it('a smart stop with only walboard connected finishes at once: walboard let go of its own sessions', async () => {
    const plan = await planOperation(wb, { type: 'stop', node: 'h1', params: { mode: 'smart' } });
    expect(plan.notes?.join('\n')).toMatch(/walboard closes its own connections to h1 first/);
    const t0 = Date.now();
    const op = await runOperation(wb, { type: 'stop', node: 'h1', params: { mode: 'smart' } }, 60_000);
    expect(op.state, whyFailed(op)).toBe('succeeded');
    console.info(`smart stop with walboard connected: ${Date.now() - t0} ms`);
    expect(Date.now() - t0).toBeLessThan(15_000);
    expect(await pgCtlStatus(run, h1)).toBe(3); // pg_ctl: "no server running"
    await expect
      .poll(() => wb.app.monitor.snapshot('lab')?.nodes[0]?.reachability.pg, { timeout: 5_000 })
      .toBe('down');
    const started = await runOperation(wb, { type: 'start', node: 'h1' }, 60_000);
    expect(started.state, whyFailed(started)).toBe('succeeded');
    await expect
      .poll(() => wb.app.monitor.snapshot('lab')?.nodes[0]?.reachability.pg, { timeout: 10_000 })
      .toBe('up');
  });

  it('while another client holds a smart stop up, h1 shows "shutting down", and the stop ends when it leaves', async () => {
    const other = new pg.Client({
      host: h1.ip,
      port: h1.pg.port,
      user: h1.pg.superuser,
      password: h1.pg.password,
      database: 'postgres',
      application_name: 'e2e-other-client',
    });
    await other.connect();
    let op: Operation | null = null;
    try {
      const plan = await planOperation(wb, { type: 'stop', node: 'h1', params: { mode: 'smart' } });
      expect(plan.notes?.join('\n')).toMatch(
        /1 other client session is connected to h1 now \(e2e-other-client\)/,
      );
      const res = await startOperation(wb, { type: 'stop', node: 'h1', params: { mode: 'smart' } });
      expect(res.status).toBe(202);
      const { id } = (await res.json()) as { id: string };
      const t0 = Date.now();
      await expect
        .poll(() => wb.app.monitor.snapshot('lab')?.nodes[0]?.reachability.pg, {
          timeout: 5_000,
          interval: 50,
        })
        .toBe('shutting-down');
      console.info(`smart stop: h1 shown "shutting down" ${Date.now() - t0} ms after the stop began`);
      expect(wb.app.monitor.snapshot('lab')?.nodes[0]?.reachability.reason).toMatch(/shutting down/);
      // What the DBA sees: the card says so, instead of "up" (or a bare "unreachable").
      const card = page.page.getByTestId('node-card-h1');
      await card
        .locator('[data-testid="node-server-state"][data-state="shutting-down"]')
        .waitFor({ timeout: 2_000 });
      expect(await card.getByTestId('node-server-state').textContent()).toBe('Shutting down');
      expect(await page.text('h1', 'reachability')).toMatch(/PostgreSQL: shutting down/);
      // Still waiting for the other client: the operation has not ended.
      expect((await getOperation(wb, id)).state).toBe('running');
      await other.end();
      const until = Date.now() + 30_000;
      for (;;) {
        op = await getOperation(wb, id);
        if (op.state !== 'running' || Date.now() > until) break;
        await new Promise((r) => setTimeout(r, 200));
      }
      expect(op.state, whyFailed(op)).toBe('succeeded');
      expect(await pgCtlStatus(run, h1)).toBe(3);
    } finally {
      await other.end().catch(() => {});
      if ((await pgCtlStatus(run, h1)) !== 0) await startPg(run, h1);
    }
    await expect
      .poll(() => wb.app.monitor.snapshot('lab')?.nodes[0]?.reachability.pg, { timeout: 10_000 })
      .toBe('up');
  });

  it('a fast stop with WAL still to archive: the plan counts the .ready files, the step shows them draining', async () => {
    // Right after archiving is switched on, with no command yet: WAL piles up as .ready files.
    await psql(run, h1, 'ALTER SYSTEM SET archive_mode = on');
    await psql(run, h1, "ALTER SYSTEM SET archive_command = ''");
    await stopPg(run, h1);
    await startPg(run, h1);
    await psql(run, h1, 'CREATE TABLE IF NOT EXISTS backlog (x int)');
    for (let i = 0; i < 8; i++) {
      await psql(run, h1, 'INSERT INTO backlog SELECT generate_series(1, 1000)');
      await psql(run, h1, 'SELECT pg_switch_wal()');
    }
    const statusDir = `${h1.pg.dataDir}/pg_wal/archive_status`;
    const readyNow = async () =>
      (await runOnHost(run, h1, ['ls', '-A', statusDir], { asUser: 'postgres' })).stdout
        .split('\n')
        .filter((n) => n.endsWith('.ready')).length;
    const ready = await readyNow();
    expect(ready).toBeGreaterThanOrEqual(8);
    // A slow archive_command (0.5 s a segment), as over a slow link.
    await runOnHost(run, h1, ['rm', '-rf', '--', `${h1.archiveDir}/backlog`], { asUser: 'postgres' });
    await runOnHost(run, h1, ['mkdir', '-p', '--', `${h1.archiveDir}/backlog`], { asUser: 'postgres' });
    await psql(
      run,
      h1,
      `ALTER SYSTEM SET archive_command = 'sleep 0.5 && cp %p ${h1.archiveDir}/backlog/%f'`,
    );

    const plan = await planOperation(wb, { type: 'stop', node: 'h1', params: { mode: 'fast' } });
    const planned = /h1 has (\d+) WAL segments waiting to be archived \(\.ready files\).*up to (\d+) s/.exec(
      plan.notes?.join('\n') ?? '',
    );
    expect(planned, plan.notes?.join('\n')).not.toBeNull();
    const [, count, wait] = planned ?? [];
    expect(Number(count)).toBeGreaterThanOrEqual(8);
    expect(plan.steps[0]?.argv).toContain(String(wait));
    expect(Number(wait)).toBe(60 + 2 * Number(count));

    // The new command takes effect on reload; the stop follows at once, with the backlog still there.
    await psql(run, h1, 'SELECT pg_reload_conf()');
    const op = await runOperation(wb, { type: 'stop', node: 'h1', params: { mode: 'fast' } }, 120_000);
    expect(op.state, whyFailed(op)).toBe('succeeded');
    const out = op.steps[0]?.output ?? '';
    const lefts = [...out.matchAll(/(\d+) of (\d+) WAL segments still to archive/g)].map((m) => Number(m[1]));
    console.info(`fast stop with ${count} segments to archive: step saw ${lefts.join(' → ')}`);
    expect(lefts.length).toBeGreaterThanOrEqual(2);
    for (let i = 1; i < lefts.length; i++) expect(lefts[i]).toBeLessThan(lefts[i - 1] ?? Infinity);
    // What PostgreSQL did: every segment shipped before it stopped, nothing left .ready.
    expect(await pgCtlStatus(run, h1)).toBe(3);
    expect(await readyNow()).toBe(0);
    const shipped = (
      await runOnHost(run, h1, ['ls', '-A', `${h1.archiveDir}/backlog`], { asUser: 'postgres' })
    ).stdout
      .split('\n')
      .filter((n) => /^[0-9A-F]{24}$/.test(n)).length;
    expect(shipped).toBeGreaterThanOrEqual(Number(count));
    await startPg(run, h1);
  });
});
