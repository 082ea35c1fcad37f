// The Lab view, in English, on the embedded lab (two bare local PostgreSQL servers, as `npm start`
// makes them): the student opens the printed link, lands on the Lab view, and for every stage
// reads the exact commands, presses Run (plan shown, then confirmed), watches the output and
// presses Check — from two bare servers to a promoted standby. A second page watching the same
// cluster sees the same progress live. The end state is proved with the test's own SQL.
import type { Lab } from '@walboard/server/src/lab/create-lab.ts';
import { labSql } from '@walboard/server/src/lab/test-support/lab-sql.ts';
import { LAB_STEP_IDS } from '@walboard/shared/guide';
import type pg from 'pg';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LabPage } from '../pom/lab-page.ts';
import { type BrowserHandle, launchChromium } from '../support/browser.ts';
import { type LabApp, startLabApp } from '../support/lab-app.ts';

describe('the Lab view on the embedded lab, in English', () => {
  let labApp: LabApp;
  let lab: Lab;
  let base: string;
  let browser: BrowserHandle;
  let page: Page;
  let student: LabPage;

  beforeAll(async () => {
    labApp = await startLabApp('walboard-lab-view');
    ({ lab, base } = labApp);
    browser = await launchChromium();
    page = await browser.context.newPage();
    student = new LabPage(page);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await labApp?.close();
  });

  const node = (i: 0 | 1) => lab.config.clusters[0]?.nodes[i]?.name ?? '';
  const sql = <R extends pg.QueryResultRow>(i: 0 | 1, text: string, params: unknown[] = []) =>
    labSql<R>(lab, i, text, params);

  it('the printed link opens the Lab view: two bare servers, eight stages, none checked', async () => {
    await page.goto(labApp.link);
    await student.waitForLoaded();
    expect(page.url()).toMatch(/#\/lab$/);
    expect(await page.getByTestId('nav-lab').getAttribute('aria-current')).toBe('page');
    expect(await page.getByTestId('lab-pair').textContent()).toBe(
      `Primary: ${node(0)} · future standby: ${node(1)}`,
    );
    for (const id of LAB_STEP_IDS) expect(await student.step(id).getAttribute('data-state')).toBe('pending');
    expect(await page.getByTestId('lab-progress').textContent()).toBe('0 of 8 steps checked');
    expect(await student.step('shipping').getByTestId('lab-step-why').textContent()).toContain(
      'archive_command',
    );
    // Then and now: the guide's 9.1 form beside this server's (15), with why it changed.
    const forms = student.step('shipping').getByTestId('lab-then-now');
    await forms.waitFor({ timeout: 15_000 });
    const text = (await forms.textContent()) ?? '';
    expect(text).toContain('PostgreSQL 9.1');
    expect(text).toContain('hot_standby');
    expect(text).toContain('replica');
    expect(text).toContain('wal_keep_segments');
    expect(text).toContain('wal_keep_size');
    expect(await student.step('standby-config').getByTestId('lab-then-now').textContent()).toContain(
      'standby.signal',
    );
  });

  it('follows every stage with Run and Check, from two bare servers to a promoted standby', async () => {
    // Another student watching the same cluster, in a second page: it is never clicked.
    const watcher = new LabPage(await browser.context.newPage());
    await watcher.page.goto(`${base}/#/lab`);
    await watcher.waitForLoaded();

    const started = Date.now();
    // The commands are this lab's: its nodes, its paths, its version.
    const shipping = await student.commands('shipping');
    expect(shipping).toContain('archive_command');
    expect(shipping).toContain(lab.nodes[1]?.archiveDir ?? '?');

    const times: string[] = [];
    for (const id of ['prepare', 'link', 'shipping'] as const) {
      const t0 = Date.now();
      expect(await student.run(id)).toBe('succeeded');
      times.push(`${id} run ${((Date.now() - t0) / 1000).toFixed(1)} s`);
      // The student closes the segment themselves, with the WAL journey's button.
      if (id === 'shipping') await student.switchSegment();
      await student.checkUntilPassed(id);
    }
    expect((await student.facts('link')).join(' ')).toContain('no ssh is needed');
    expect((await student.facts('shipping')).join(' ')).toMatch(/archive folder .* holds \d+ segments/);

    for (const id of ['base-backup', 'standby-config', 'start', 'promote', 'after-promotion'] as const) {
      const t0 = Date.now();
      expect(await student.run(id)).toBe('succeeded');
      const t1 = Date.now();
      await student.checkUntilPassed(id);
      times.push(
        `${id} run ${((t1 - t0) / 1000).toFixed(1)} s, check ${((Date.now() - t1) / 1000).toFixed(1)} s`,
      );
    }
    console.log(times.join('; '));
    const seconds = (Date.now() - started) / 1000;
    console.log(`whole lab in the Lab view (embedded lab, English): ${seconds.toFixed(1)} s`);
    expect(seconds).toBeLessThan(300);

    expect((await student.facts('start')).join(' ')).toMatch(
      /Row \d+, written on .* was read on .* ms later/,
    );
    expect((await student.facts('promote')).join(' ')).toMatch(/timeline went from 1 to 2/);
    expect(await page.getByTestId('lab-progress').textContent()).toBe('8 of 8 steps checked');

    // The watcher saw it all without a reload.
    await watcher.page
      .getByTestId('lab-progress')
      .filter({ hasText: '8 of 8 steps checked' })
      .waitFor({ timeout: 10_000 });
    for (const id of LAB_STEP_IDS) expect(await watcher.step(id).getAttribute('data-state')).toBe('passed');
    await watcher.page.close();

    // The test's own SQL: the standby is a primary on timeline 2 holding both rows the Checks wrote.
    expect((await sql<{ r: boolean }>(1, 'SELECT pg_is_in_recovery() AS r'))[0]?.r).toBe(false);
    const tl = await sql<{ t: number }>(
      1,
      "SELECT ('x' || substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8))::bit(32)::int AS t",
    );
    expect(tl[0]?.t).toBe(2);
    expect((await sql<{ n: string }>(1, 'SELECT count(*)::text AS n FROM walboard_lab_check'))[0]?.n).toBe(
      '2',
    );
  }, 300_000);

  it('the progress is kept: a reload shows every stage checked', async () => {
    await page.reload();
    await student.waitForLoaded();
    expect(await page.getByTestId('lab-progress').textContent()).toBe('8 of 8 steps checked');
  });
});
