// The lab's starting point, seen live: two servers (test hosts with their own sshd and
// PostgreSQL), one streaming to the other, both on the page as ssh nodes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type HostsRun, isolate, psql, rejoin } from '../hosts/harness.ts';
import { OverviewPage } from '../pom/overview-page.ts';
import { lsnToBigInt } from '../support/lsn.ts';
import { cloneWithBasebackup } from '../support/pg-basebackup.ts';
import type { RunningWalboard } from '../support/walboard.ts';
import { type WalboardOnHosts, walboardOnHosts } from '../support/walboard-on-hosts.ts';

const LSN = /[0-9A-F]{1,8}\/[0-9A-F]{1,8}/;

describe('two servers on the page: primary and standby, live', () => {
  let t: WalboardOnHosts;
  let run: HostsRun;
  let wb: RunningWalboard;
  let page: OverviewPage;

  beforeAll(async () => {
    t = await walboardOnHosts({
      versions: [15, 15],
      browser: true,
      prepare: async (r) => {
        const [h1, h2] = r.hosts;
        if (!h1 || !h2) throw new Error('the harness did not create two hosts');
        // h2 becomes a hot standby of h1 the plain way: empty its data dir, pg_basebackup -R, start.
        await cloneWithBasebackup(r, h1, h2);
        await psql(r, h1, 'CREATE TABLE IF NOT EXISTS e2e_rows (id serial PRIMARY KEY, note text)');
      },
    });
    ({ run, wb } = t);
    page = new OverviewPage(await t.newPage());
    await page.open(wb.url);
  });

  afterAll(async () => t?.close());

  it('shows h1 as primary and h2 as standby, with their version and timeline', async () => {
    await page.waitForRole('h1', 'primary');
    await page.waitForRole('h2', 'standby');
    expect(await page.text('h1', 'version')).toMatch(/^15\.\d+/);
    expect(await page.text('h1', 'timeline')).toBe('1');
    expect(await page.text('h1', 'current-lsn')).toMatch(LSN);
    expect(await page.text('h2', 'replay-lsn')).toMatch(LSN);
    expect(await page.text('h2', 'reachability')).toMatch(/SSH: up/i);
  });

  it("reaches each node's PostgreSQL through its ssh tunnel", async () => {
    // The config gives no pg host: the session dials 127.0.0.1:5432 as seen from the node itself,
    // which only the ssh tunnel can reach from the controller.
    for (const s of wb.app.sessions) {
      const [row] = await s.query<{ addr: string | null }>('SELECT inet_server_addr()::text AS addr');
      expect(row?.addr).toBe('127.0.0.1/32');
    }
  });

  it('moves the standby replay LSN forward after rows are written on the primary', async () => {
    const before = (await page.text('h2', 'replay-lsn')).match(LSN)?.[0];
    if (!before) throw new Error('no replay LSN on the h2 card');
    await psql(run, 'h1', "INSERT INTO e2e_rows (note) SELECT 'row ' || g FROM generate_series(1, 1000) g");
    const [{ lsn: primaryLsn } = { lsn: '' }] = await psql<{ lsn: string }>(
      run,
      'h1',
      'SELECT pg_current_wal_lsn()::text AS lsn',
    );

    // The page must reach at least the primary's LSN after the insert: the rows have replayed.
    await page.page.waitForFunction(
      ([target]) => {
        const el = document.querySelector('[data-testid="node-card-h2"] [data-testid="node-replay-lsn"]');
        const m = /([0-9A-F]{1,8})\/([0-9A-F]{1,8})/.exec(el?.textContent ?? '');
        if (!m) return false;
        const [hi, lo] = (target as string).split('/');
        const v = BigInt(`0x${m[1]}`) * 2n ** 32n + BigInt(`0x${m[2]}`);
        return v >= BigInt(`0x${hi}`) * 2n ** 32n + BigInt(`0x${lo}`);
      },
      [primaryLsn],
      { timeout: 10_000 },
    );
    const after = (await page.text('h2', 'replay-lsn')).match(LSN)?.[0] ?? '0/0';
    expect(lsnToBigInt(after)).toBeGreaterThan(lsnToBigInt(before));
    // And the standby really has the rows: the number on the page is not decoration.
    const [{ n } = { n: '0' }] = await psql<{ n: string }>(
      run,
      'h2',
      'SELECT count(*)::text AS n FROM e2e_rows',
    );
    expect(Number(n)).toBeGreaterThanOrEqual(1000);
  });

  it('shows an isolated host as unreachable within 2 s, and recovers after rejoin without a reload', async () => {
    await page.waitForReachable('h2', true, 10_000);
    await isolate(run, 'h2');
    const t0 = Date.now();
    await page.waitForReachable('h2', false, 2_000);
    const seenAfter = Date.now() - t0;
    expect(seenAfter).toBeLessThanOrEqual(2_000);
    expect(await page.text('h2', 'reachability')).toMatch(/Reason/);
    // The other node keeps updating while h2 is cut off.
    await page.waitForReachable('h1', true, 1_000);

    await rejoin(run, 'h2');
    await page.waitForReachable('h2', true, 20_000);
    await page.waitForRole('h2', 'standby', 5_000);
    expect(await page.text('h2', 'replay-lsn')).toMatch(LSN);
  });

  it('reads in Spanish after the language switch', async () => {
    await page.switchLanguage('es');
    await page.page.waitForFunction(() => document.documentElement.lang === 'es');
    expect(await page.text('h1', 'role')).toMatch(/Primario/);
    await page.switchLanguage('en');
  });
});
