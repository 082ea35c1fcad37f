// The WAL journey on the page, driven by real servers: two bare PostgreSQL 15 hosts linked by
// setup-replication (archive shipping + streaming). A student's button writes rows on h1: the
// LSN moves inside the current segment and every streaming stage reaches it. Another closes the
// segment: the archiver counts it and it arrives in h2's archive directory. With nothing
// happening the picture holds still; with 1,000 more files in the archive it still fits.
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type HostInfo, type HostsRun, psql, runOnHost } from '../hosts/harness.ts';
import { runOperation, whyFailed } from '../support/operations-api.ts';
import { type WalboardOnHosts, walboardOnHosts } from '../support/walboard-on-hosts.ts';

const lsnBytes = (lsn: string): bigint => {
  const [hi, lo] = lsn.split('/');
  return (BigInt(`0x${hi}`) << 32n) | BigInt(`0x${lo}`);
};

describe('the WAL journey, live on the page', () => {
  let t: WalboardOnHosts;
  let run: HostsRun;
  let h2: HostInfo;
  let page: Page;

  beforeAll(async () => {
    t = await walboardOnHosts({ versions: [15, 15], bare: true, browser: true });
    run = t.run;
    h2 = run.hosts[1] as HostInfo;
    const until = Date.now() + 20_000;
    while (!t.wb.app.monitor.snapshot('lab')?.nodes.every((n) => n.reachability.pg === 'up')) {
      if (Date.now() > until) throw new Error('h1 and h2 not up within 20 s');
      await new Promise((r) => setTimeout(r, 100));
    }
    const op = await runOperation(t.wb, {
      type: 'setup-replication',
      node: 'h1',
      params: { standbys: ['h2'] },
    });
    expect(op.state, whyFailed(op)).toBe('succeeded');
    page = await t.newPage();
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.goto(t.wb.url);
    await page.locator('[data-testid="wal-journey"][data-primary="h1"][data-standby="h2"]').waitFor({
      timeout: 20_000,
    });
    await page.locator('[data-testid="journey-streaming"][data-active="true"]').waitFor({ timeout: 20_000 });
  });
  afterAll(async () => t?.close());

  const journey = () => page.getByTestId('wal-journey');
  const data = async (testId: string, name: string) =>
    (await journey().getByTestId(testId).first().getAttribute(`data-${name}`)) ?? '';
  /** Every data-* attribute of every element of the picture, in document order. */
  const everyAttribute = () =>
    journey().evaluate((root) =>
      [root, ...Array.from(root.querySelectorAll('*'))].flatMap((el) =>
        Array.from(el.attributes)
          .filter((a) => a.name.startsWith('data-'))
          .map((a) => `${a.name}=${a.value}`),
      ),
    );
  const serverLsn = async () =>
    (await psql<{ l: string }>(run, 'h1', 'SELECT pg_current_wal_lsn()::text AS l'))[0]?.l as string;

  it('writing 1,000 rows moves the LSN inside the segment, and every streaming stage reaches it', async () => {
    const lsnBefore = await data('journey-primary', 'lsn');
    const fillBefore = Number(await data('journey-primary', 'fill'));
    const segmentBefore = await data('journey-primary', 'segment');
    expect(lsnBefore).toMatch(/^[0-9A-F]+\/[0-9A-F]+$/);
    expect(segmentBefore).toMatch(/^[0-9A-F]{24}$/);
    await journey().getByTestId('journey-write-rows').click();
    await page.locator('[data-testid="journey-action-outcome"][data-tone="ok"]').waitFor();
    expect(await journey().getByTestId('journey-action-outcome').textContent()).toMatch(
      /^1,000 rows written on h1; its WAL is now at [0-9A-F]+\/[0-9A-F]+\.$/,
    );
    const target = lsnBytes(await serverLsn());
    const rows = await psql<{ n: string }>(run, 'h1', 'SELECT count(*)::text AS n FROM walboard_lab_rows');
    expect(rows[0]?.n).toBe('1000');

    await expect
      .poll(async () => lsnBytes((await data('journey-primary', 'lsn')) || '0/0') >= target, {
        timeout: 10_000,
      })
      .toBe(true);
    const fillAfter = Number(await data('journey-primary', 'fill'));
    const segmentAfter = await data('journey-primary', 'segment');
    // ~100 KiB of WAL: the fill grows by ~0.006 of 16 MiB (or a new segment began).
    expect(segmentAfter !== segmentBefore || fillAfter > fillBefore).toBe(true);

    for (const stage of ['sent', 'written', 'flushed', 'replayed']) {
      await expect
        .poll(
          async () => {
            const lsn = await data(`journey-stage-${stage}`, 'lsn');
            return lsn !== '' && lsnBytes(lsn) >= target;
          },
          { timeout: 15_000, message: `stage ${stage} reaches ${target}` },
        )
        .toBe(true);
    }
    await expect.poll(() => data('journey-stage-replayed', 'behind'), { timeout: 15_000 }).toBe('0');
    expect(await data('journey-restored', 'segment')).toMatch(/^[0-9A-F]{24}$/);
  });

  it('switching the segment (from the keyboard) archives it: the count goes up and it arrives in h2’s archive', async () => {
    const archivedBefore = Number(await data('journey-archived', 'archived'));
    const arrivedBefore = Number(await data('journey-archive', 'arrived'));
    await journey().getByTestId('journey-switch-wal').focus();
    await page.keyboard.press('Enter');
    await page.locator('[data-testid="journey-action-outcome"][data-tone="ok"]').waitFor();
    const text = (await journey().getByTestId('journey-action-outcome').textContent()) ?? '';
    const closed = /Segment ([0-9A-F]{24}) closed on h1/.exec(text)?.[1];
    expect(closed, text).toBeDefined();

    await expect
      .poll(async () => Number(await data('journey-archived', 'archived')), { timeout: 15_000 })
      .toBeGreaterThan(archivedBefore);
    await journey()
      .locator(`[data-testid="journey-arrived-name"][data-name="${closed}"]`)
      .waitFor({ timeout: 15_000 });
    expect(Number(await data('journey-archive', 'arrived'))).toBeGreaterThan(arrivedBefore);
    expect((await data('journey-archived', 'last-archived')) >= (closed as string)).toBe(true);
    // PostgreSQL agrees: it archived it, and the file is in h2's directory.
    const [arch] = await psql<{ wal: string }>(
      run,
      'h1',
      'SELECT last_archived_wal AS wal FROM pg_stat_archiver',
    );
    expect((arch?.wal ?? '') >= (closed as string)).toBe(true);
    await runOnHost(run, h2, ['test', '-f', `${h2.archiveDir}/${closed}`], { asUser: 'postgres' });
  });

  it('holds still while nothing happens on the servers', async () => {
    // PostgreSQL may write a record of its own (a standby snapshot within 15 s of the writes):
    // a window only counts when h1's LSN and archive count did not move during it.
    for (let attempt = 1; ; attempt++) {
      const start = await serverLsn();
      await expect.poll(() => data('journey-primary', 'lsn'), { timeout: 5_000 }).toBe(start);
      const reads: string[][] = [];
      for (let i = 0; i < 4; i++) {
        reads.push(await everyAttribute());
        if (i < 3) await new Promise((r) => setTimeout(r, 1000));
      }
      if ((await serverLsn()) !== start) {
        if (attempt === 3) throw new Error('h1 kept writing WAL on its own: no still window in 3 tries');
        continue;
      }
      expect(reads[0]?.length).toBeGreaterThan(20);
      for (const r of reads.slice(1)) expect(r).toEqual(reads[0]);
      break;
    }
  });

  it('refuses the buttons on a standby, naming it (API)', async () => {
    const res = await fetch(`${t.wb.url}/api/clusters/lab/lab/actions`, {
      method: 'POST',
      headers: t.wb.admin.mutation,
      body: JSON.stringify({ action: 'switch-wal', node: 'h2' }),
    });
    expect(res.status).toBe(409);
    const body = (await res.json()) as { error: string; message: string; node: string };
    expect(body).toMatchObject({ error: 'WB_ERR_NOT_PRIMARY', node: 'h2' });
    expect(body.message).toMatch(/^h2 is a standby/);
  });

  it('an rsync copy still on its way shows as arriving, never counted as archived', async () => {
    const arrived = await data('journey-archive', 'arrived');
    const file = '000000FF0000000F000000FF';
    await runOnHost(run, h2, ['touch', `${h2.archiveDir}/.${file}.Xy12Zq`], { asUser: 'postgres' });
    await expect.poll(() => data('journey-archive', 'arriving'), { timeout: 10_000 }).toBe('1');
    expect(await journey().locator(`[data-testid="journey-arriving"] [data-name="${file}"]`).count()).toBe(1);
    expect(await data('journey-archive', 'arrived')).toBe(arrived);
    expect(await data('journey-archive', 'newest')).not.toContain(file);
  });

  it('with 1,000 more segments in h2’s archive: says so, names only a few, and fits a laptop and a phone', async () => {
    // Far-future positions on an unused timeline: never asked for by h2, never cleaned up as older.
    const names = Array.from(
      { length: 1000 },
      (_, i) =>
        `000000FF${(0x10 + (i >> 8)).toString(16).toUpperCase().padStart(8, '0')}${(i & 0xff).toString(16).toUpperCase().padStart(8, '0')}`,
    );
    await runOnHost(run, h2, ['touch', ...names.map((n) => `${h2.archiveDir}/${n}`)], { asUser: 'postgres' });
    await expect
      .poll(async () => Number(await data('journey-archive', 'arrived')), { timeout: 15_000 })
      .toBeGreaterThanOrEqual(1001);
    const arrived = Number(await data('journey-archive', 'arrived'));
    expect(await journey().getByTestId('journey-archive').textContent()).toContain(
      `${arrived.toLocaleString('en-US')} segments`,
    );
    expect(await journey().getByTestId('journey-arrived-name').count()).toBeLessThanOrEqual(3);
    expect(await journey().evaluate((el) => el.querySelectorAll('*').length)).toBeLessThan(250);

    for (const size of [
      { width: 1280, height: 800 },
      { width: 390, height: 844 },
    ]) {
      await page.setViewportSize(size);
      // The picture itself: inside the viewport, and nothing in it wider than its box. (The
      // rest of the page is other panels' business.)
      const fit = await journey().evaluate((el) => ({
        viewport: window.innerWidth,
        left: el.getBoundingClientRect().left,
        right: el.getBoundingClientRect().right,
        overflowing: [el, ...Array.from(el.querySelectorAll('*'))]
          .filter((c) => c.clientWidth > 0 && c.scrollWidth > c.clientWidth + 1)
          .map((c) => c.getAttribute('data-testid') ?? c.tagName),
        sticksOut: Array.from(el.querySelectorAll('*'))
          .filter((c) => c.getBoundingClientRect().right > el.getBoundingClientRect().right + 1)
          .map((c) => c.getAttribute('data-testid') ?? c.tagName),
      }));
      expect(fit.left, JSON.stringify(size)).toBeGreaterThanOrEqual(0);
      expect(fit.right, JSON.stringify(size)).toBeLessThanOrEqual(fit.viewport);
      expect(fit.sticksOut, JSON.stringify(size)).toEqual([]);
      expect(fit.overflowing, JSON.stringify(size)).toEqual([]);
    }
  });
});
