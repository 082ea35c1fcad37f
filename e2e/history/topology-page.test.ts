// The topology and the lag chart on real hosts: h2 streams from h1 (pg_basebackup -R), the page
// draws the link with its live lag, charts the lag from the controller's SQLite history, and draws
// h2 as unreachable once its host is cut off. Prometheus metrics come from the same snapshot.

import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type HostsRun, isolate, psql } from '../hosts/harness.ts';
import { cloneWithBasebackup } from '../support/pg-basebackup.ts';
import type { RunningWalboard } from '../support/walboard.ts';
import { type WalboardOnHosts, walboardOnHosts } from '../support/walboard-on-hosts.ts';

/** "16.0 MiB · 42 ms", "0 B · 0 s": bytes and seconds, as the page formats them. */
const LAG_LABEL = /^\d+(\.\d+)? (B|KiB|MiB|GiB|TiB) · (\d+(\.\d+)? (ms|s)|\d+ min \d+ s|\d+ h \d+ min)$/;

const link = (primary: string, standby: string, kind: 'streaming' | 'archive') =>
  `[data-testid="topology-link-${primary}-${standby}"][data-kind="${kind}"]`;
const node = (name: string) => `[data-testid="topology-node-${name}"]`;

describe('topology and lag chart on two hosts, h2 streaming from h1', () => {
  let t: WalboardOnHosts;
  let run: HostsRun;
  let wb: RunningWalboard;
  let page: Page;

  beforeAll(async () => {
    t = await walboardOnHosts({
      versions: [15, 15],
      browser: true,
      prepare: async (r) => {
        const [h1, h2] = r.hosts;
        if (!h1 || !h2) throw new Error('the harness did not create two hosts');
        // h2 becomes a hot standby of h1 the plain way: empty its data dir, pg_basebackup -R, start.
        await cloneWithBasebackup(r, h1, h2);
      },
    });
    ({ run, wb } = t);
    page = await t.newPage();
    await page.goto(wb.url);
  });

  afterAll(async () => t?.close());

  it('draws h1 → h2 as a streaming link labelled with its live lag, above the node cards', async () => {
    await page.waitForSelector(link('h1', 'h2', 'streaming'), { timeout: 20_000 });
    await page.waitForSelector(`${node('h1')}[data-role="primary"][data-reachable="true"]`, {
      timeout: 10_000,
    });
    await page.waitForSelector(`${node('h2')}[data-role="standby"][data-reachable="true"]`, {
      timeout: 10_000,
    });
    const label =
      (await page
        .locator(`${link('h1', 'h2', 'streaming')} [data-testid="topology-link-label"]`)
        .textContent()) ?? '';
    expect(label.trim()).toMatch(LAG_LABEL);
    // No restore_command on h2 (pg_basebackup -R only streams): no archive-shipping edge is drawn.
    expect(await page.locator(link('h1', 'h2', 'archive')).count()).toBe(0);

    // The picture sits above the cards.
    const topo = await page.getByTestId('topology').boundingBox();
    const card = await page.getByTestId('node-card-h1').boundingBox();
    expect(topo && card && topo.y < card.y).toBe(true);
  });

  it('charts h2 lag from the stored history, and re-reads it when the range changes', async () => {
    await psql(
      run,
      'h1',
      'CREATE TABLE e2e_lag AS SELECT g AS id, md5(g::text) AS v FROM generate_series(1, 20000) g',
    );
    const chart = page.getByTestId('lag-chart-h2');
    await chart.waitFor({ timeout: 10_000 });
    // Live points arrive once a second; the stored history keeps them too.
    await page.waitForSelector('[data-testid="lag-chart-h2"][data-status="ready"]:not([data-points="0"])', {
      timeout: 10_000,
    });
    const res = await fetch(`${wb.url}/api/clusters/lab/lag-history?standby=h2&range=15m`, {
      headers: { cookie: wb.admin.cookie },
    });
    expect(res.status).toBe(200);
    const history = (await res.json()) as { points: { t: number; replayBytes: number | null }[] };
    expect(history.points.length).toBeGreaterThan(0);
    expect(history.points.some((p) => p.replayBytes !== null)).toBe(true);

    await page.getByTestId('lag-range-1h').click();
    expect(await page.getByTestId('lag-range-1h').getAttribute('aria-pressed')).toBe('true');
    expect(await page.getByTestId('lag-range-15m').getAttribute('aria-pressed')).toBe('false');
    await page.waitForSelector('[data-testid="lag-chart-h2"][data-status="ready"]:not([data-points="0"])', {
      timeout: 10_000,
    });
    expect(await chart.locator('canvas').count()).toBeGreaterThan(0);
    await page.getByTestId('lag-range-15m').click();
  });

  it('exports Prometheus metrics from the same snapshot', async () => {
    const res = await fetch(`${wb.url}/api/metrics`, { headers: { cookie: wb.admin.cookie } });
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    expect(text).toContain('walboard_up{cluster="lab",node="h1"} 1\n');
    expect(text).toContain('walboard_role{cluster="lab",node="h2",role="standby"} 1\n');
    expect(text).toMatch(/^walboard_replication_lag_bytes\{cluster="lab",primary="h1",standby="h2"\} \d+$/m);
    expect(text).toMatch(/^walboard_wal_senders\{cluster="lab",node="h1"\} [1-9]\d*$/m);
  });

  it('draws h2 as unreachable within a few seconds of its host being cut off', async () => {
    await isolate(run, 'h2');
    const t0 = Date.now();
    await page.waitForSelector(`${node('h2')}[data-reachable="false"]`, { timeout: 5_000 });
    const seenAfterMs = Date.now() - t0;
    console.log(`topology: h2 drawn unreachable ${seenAfterMs} ms after isolate`);
    expect(await page.locator(node('h2')).textContent()).toContain('unreachable');
    // h1 stays drawn as a reachable primary.
    expect(await page.locator(node('h1')).getAttribute('data-reachable')).toBe('true');
  });
});
