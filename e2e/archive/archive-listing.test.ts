// WAL shipping made visible: h1 archives with the lab's archive_command (rsync over ssh to h2's
// archive directory); the page lists h2's archive live — a segment forced by pg_switch_wal()
// appears, a segment removed by pg_archivecleanup disappears.
import type { Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type HostInfo, type HostsRun, psql, runOnHost, startPg, stopPg } from '../hosts/harness.ts';
import { type WalboardOnHosts, walboardOnHosts } from '../support/walboard-on-hosts.ts';

const SEGMENT_BYTES = 16 * 1024 * 1024;

const panel = (page: Page, node: string): Locator => page.getByTestId(`archive-panel-${node}`);
const row = (page: Page, node: string, file: string): Locator =>
  panel(page, node).getByTestId(`archive-entry-${file}`);

/** Writes rows on h1 and switches segment; returns the name of the segment that was just closed. */
async function switchSegment(run: HostsRun, h1: HostInfo): Promise<string> {
  await psql(run, h1, "INSERT INTO e2e_archive (note) SELECT 'row ' || g FROM generate_series(1, 500) g");
  const [cur] = await psql<{ f: string }>(run, h1, 'SELECT pg_walfile_name(pg_current_wal_lsn()) AS f');
  if (!cur) throw new Error('h1 gave no current WAL file name');
  await psql(run, h1, 'SELECT pg_switch_wal()');
  return cur.f;
}

describe('the archive directory of a standby host, live on the page', () => {
  let run: HostsRun;
  let h1: HostInfo;
  let h2: HostInfo;
  let t: WalboardOnHosts;
  let page: Page;

  beforeAll(async () => {
    t = await walboardOnHosts({
      versions: [15, 15],
      browser: true,
      prepare: async (r) => {
        run = r;
        const [a, b] = run.hosts;
        if (!a || !b) throw new Error('the harness did not create two hosts');
        [h1, h2] = [a, b];
        // The lab's way, in plain SQL: archive every finished segment to h2 with rsync over ssh.
        const command = `rsync -a %p postgres@${h2.ip}:${h2.archiveDir}/%f`;
        await psql(run, h1, 'ALTER SYSTEM SET archive_mode = on');
        await psql(run, h1, `ALTER SYSTEM SET archive_command = '${command.replaceAll("'", "''")}'`);
        await stopPg(run, h1);
        await startPg(run, h1);
        await psql(run, h1, 'CREATE TABLE e2e_archive (id serial PRIMARY KEY, note text)');
      },
    });
    page = await t.newPage();
    await page.goto(t.wb.url);
  });

  afterAll(async () => t?.close());

  it("shows a panel per host with its archive directory's path", async () => {
    await panel(page, 'h2').waitFor({ timeout: 15_000 });
    await expect.poll(() => panel(page, 'h2').textContent()).toContain(h2.archiveDir);
    expect(await panel(page, 'h2').getByRole('heading').textContent()).toBe('WAL archive on h2');
    // configForHosts gives every host an archiveDir: h1's (empty) directory is listed too.
    await panel(page, 'h1').waitFor();
    expect(await panel(page, 'h1').textContent()).toContain(h1.archiveDir);
  });

  it('lists the segment forced by pg_switch_wal() on h1 in h2’s panel within seconds, with its real size', async () => {
    const segment = await switchSegment(run, h1);
    const t0 = Date.now();
    await row(page, 'h2', segment).waitFor({ timeout: 10_000 });
    const seenAfterMs = Date.now() - t0;
    const stats = t.wb.app.archive.watcher('lab', 'h2')?.stats;
    console.log(
      `segment ${segment}: on h2's panel ${seenAfterMs} ms after pg_switch_wal(); ` +
        `h2 watcher: ${stats?.lists} SFTP lists so far, last took ${stats?.lastListMs?.toFixed(1)} ms`,
    );

    // The page tells the truth: PostgreSQL says it archived it, and the file is on h2's disk.
    const [archiver] = await psql<{ wal: string | null }>(
      run,
      h1,
      'SELECT last_archived_wal AS wal FROM pg_stat_archiver',
    );
    expect(archiver?.wal && archiver.wal >= segment).toBe(true);
    const size = await runOnHost(run, h2, ['stat', '-c', '%s', `${h2.archiveDir}/${segment}`], {
      asUser: 'postgres',
    });
    expect(Number(size.stdout.trim())).toBe(SEGMENT_BYTES);

    const cells = row(page, 'h2', segment).locator('td');
    expect(await cells.nth(0).textContent()).toBe(segment);
    expect(await cells.nth(1).textContent()).toBe('WAL segment');
    expect(await cells.nth(2).textContent()).toBe('16 MiB');
    expect(await cells.nth(2).getAttribute('title')).toBe('16,777,216 bytes');
    const count = Number(await page.getByTestId('archive-count-h2').getAttribute('data-count'));
    expect(count).toBeGreaterThanOrEqual(1);
  });

  it('drops a segment removed by pg_archivecleanup from the page, keeping the newer ones', async () => {
    const older = await switchSegment(run, h1);
    const newer = await switchSegment(run, h1);
    await row(page, 'h2', newer).waitFor({ timeout: 10_000 });
    await row(page, 'h2', older).waitFor({ timeout: 1_000 });

    // What a standby's archive_cleanup_command does: remove every segment older than `newer`.
    await runOnHost(run, h2, [`${h2.pg.binDir}/pg_archivecleanup`, h2.archiveDir, newer], {
      asUser: 'postgres',
    });
    const t0 = Date.now();
    await row(page, 'h2', older).waitFor({ state: 'detached', timeout: 10_000 });
    console.log(`segment ${older}: gone from h2's panel ${Date.now() - t0} ms after pg_archivecleanup`);
    expect(await row(page, 'h2', newer).count()).toBe(1);
    const left = await runOnHost(run, h2, ['ls', '-A', h2.archiveDir], { asUser: 'postgres' });
    const onDisk = left.stdout.split('\n').filter(Boolean);
    await expect
      .poll(async () => Number(await page.getByTestId('archive-count-h2').getAttribute('data-count')))
      .toBe(onDisk.length);
  });

  it('shows a hostile file name as text, never as markup', async () => {
    const name = '<img src=x onerror="window.__pwned=1">';
    await runOnHost(run, h2, ['touch', '--', `${h2.archiveDir}/${name}`], { asUser: 'postgres' });
    const r = row(page, 'h2', name);
    await r.waitFor({ timeout: 10_000 });
    expect(await r.locator('td').nth(0).textContent()).toBe(name);
    expect(await r.locator('td').nth(1).textContent()).toBe('other');
    expect(await panel(page, 'h2').locator('img').count()).toBe(0);
    expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
  });

  it('shows a segment rsync is still copying as arriving — apart, never a row, never counted', async () => {
    const [cur] = await psql<{ f: string }>(run, h1, 'SELECT pg_walfile_name(pg_current_wal_lsn()) AS f');
    if (!cur) throw new Error('h1 gave no current WAL file name');
    // What archive_command does, slowed down (4 MB/s) so that the copy is seen on its way in.
    const target = '0000000100000000000000FE';
    const copy = runOnHost(
      run,
      h1,
      [
        'rsync',
        '-a',
        '--bwlimit=4000',
        `${h1.pg.dataDir}/pg_wal/${cur.f}`,
        `postgres@${h2.ip}:${h2.archiveDir}/${target}`,
      ],
      { asUser: 'postgres', timeoutMs: 60_000 },
    );
    const before = Number(await page.getByTestId('archive-count-h2').getAttribute('data-count'));
    const arriving = panel(page, 'h2').getByTestId(`archive-arriving-entry-${target}`);
    await arriving.waitFor({ timeout: 10_000 });
    expect(await arriving.textContent()).toMatch(
      new RegExp(`^${target} — .* so far, in temporary file \\.${target}\\.[A-Za-z0-9]{6}$`),
    );
    // Not a file of the archive yet: no row, no count, no chip.
    expect(await panel(page, 'h2').locator('tr[data-testid^="archive-entry-."]').count()).toBe(0);
    expect(Number(await page.getByTestId('archive-count-h2').getAttribute('data-count'))).toBe(before);
    await copy;
    await row(page, 'h2', target).waitFor({ timeout: 10_000 });
    await panel(page, 'h2')
      .getByTestId('archive-arriving-h2')
      .waitFor({ state: 'detached', timeout: 10_000 });
    expect(Number(await page.getByTestId('archive-count-h2').getAttribute('data-count'))).toBe(before + 1);
    await runOnHost(run, h2, ['rm', '-f', '--', `${h2.archiveDir}/${target}`], { asUser: 'postgres' });
    await row(page, 'h2', target).waitFor({ state: 'detached', timeout: 10_000 });
  });

  it('reads in Spanish after the language switch', async () => {
    await page.getByTestId('lang-es').click();
    await expect
      .poll(() => panel(page, 'h2').getByRole('heading').textContent())
      .toBe('Archivo de WAL en h2');
    await page.getByTestId('lang-en').click();
  });
});
