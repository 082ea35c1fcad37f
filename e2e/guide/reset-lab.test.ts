// Reset lab, end to end: the embedded lab started as `npm start` starts it, taken through real
// replication (node2 a standby of node1, WAL archived), then reset by its admin in Chromium. The
// test's own SQL and file listing prove two bare primaries came back, in under 30 s.
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BrowserHandle, launchChromium } from '../support/browser.ts';
import { type EmbeddedLab, signInWithLink, startEmbeddedLab } from '../support/embedded-lab.ts';
import { getOperation, startOperation, whyFailed } from '../support/operations-api.ts';

describe('Reset lab in the browser brings back two bare servers', () => {
  let lab: EmbeddedLab;
  let browser: BrowserHandle;

  beforeAll(async () => {
    lab = await startEmbeddedLab();
    browser = await launchChromium();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await lab?.close();
  });

  async function sql<T extends pg.QueryResultRow>(node: 0 | 1, text: string): Promise<T[]> {
    const c = new pg.Client({
      host: '127.0.0.1',
      port: lab.ports[node],
      user: 'postgres',
      database: 'postgres',
      password: lab.password,
    });
    await c.connect();
    try {
      return (await c.query<T>(text)).rows;
    } finally {
      await c.end();
    }
  }
  /** Names in a node folder's archive directory; null when it does not exist. */
  const archived = (node: string) => readdir(join(lab.dir, node, 'wal_archive')).catch(() => null);
  const setAside = async (node: string) =>
    (await readdir(join(lab.dir, node))).filter((d) => d.startsWith('data.walboard-'));

  it('replication, rows and archived WAL are gone after Reset lab; both servers are primaries again', async () => {
    const { page, admin } = await signInWithLink(browser.context, lab);

    // The lab's state after a student's work: node2 streams from node1, rows written, WAL archived.
    const wb = { url: lab.url, admin };
    const started = await startOperation(wb, {
      type: 'setup-replication',
      node: 'node1',
      params: { standbys: ['node2'] },
    });
    expect(started.status).toBe(202);
    const { id } = (await started.json()) as { id: string };
    // While it runs, a reset is refused: it would pull the servers from under the operation.
    const refused = await fetch(`${lab.url}/api/lab/reset`, {
      method: 'POST',
      headers: admin.mutation,
      body: JSON.stringify({ confirm: true }),
    });
    const refusal = (await refused.json()) as { error: string; message: string };
    expect(refused.status, refusal.message).toBe(409);
    expect(refusal.message).toMatch(
      /^lab reset refused: cluster lab is busy: operation .* \(setup-replication on node1, by lab\) is running/,
    );
    let op = await getOperation(wb, id);
    for (let i = 0; op.state === 'running' && i < 600; i++) {
      await new Promise((r) => setTimeout(r, 200));
      op = await getOperation(wb, id);
    }
    expect(op.state, whyFailed(op)).toBe('succeeded');
    await sql(0, 'CREATE TABLE student_rows AS SELECT g AS id FROM generate_series(1, 5000) g');
    await sql(0, 'SELECT pg_switch_wal()');
    expect((await sql<{ rec: boolean }>(1, 'SELECT pg_is_in_recovery() AS rec'))[0]?.rec).toBe(true);
    let before: string[] | null = null;
    for (let i = 0; i < 100 && !before?.some((f) => /^[0-9A-F]{24}$/.test(f)); i++) {
      before = await archived('node2');
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(
      before?.some((f) => /^[0-9A-F]{24}$/.test(f)),
      `node2's archive: ${before}`,
    ).toBe(true);
    expect(await setAside('node2')).not.toEqual([]);

    // A Check of the guided lab recorded before the reset…
    const checked = await fetch(`${lab.url}/api/clusters/lab/lab/steps/start/check`, {
      method: 'POST',
      headers: admin.mutation,
      body: '{}',
    });
    expect(checked.status).toBe(200);
    const labProgress = async () =>
      (await (
        await fetch(`${lab.url}/api/clusters/lab/lab`, { headers: { cookie: admin.cookie } })
      ).json()) as { steps: { id: string; check: { state: string } | null }[] };
    expect((await labProgress()).steps.find((x) => x.id === 'start')?.check?.state).toBe('passed');

    // The admin resets it from the page.
    await page.getByTestId('lab-reset-open').click();
    const dialog = page.getByTestId('lab-reset-dialog');
    await dialog.waitFor();
    expect(await dialog.textContent()).toMatch(/every database, table and row on both servers/);
    const t0 = performance.now();
    await page.getByTestId('lab-reset-confirm').click();
    const done = page.getByTestId('lab-reset-done');
    await done.waitFor({ timeout: 60_000 }).catch(async (err: Error) => {
      const error = await page
        .getByTestId('lab-reset-error')
        .textContent()
        .catch(() => null);
      throw new Error(`Reset lab did not finish: ${error ?? err.message}\n${lab.output().slice(-3000)}`);
    });
    const wall = (performance.now() - t0) / 1000;
    const reported = Number(await done.getAttribute('data-seconds'));
    console.log(`Reset lab: ${reported} s on the server, ${wall.toFixed(1)} s from the click to the answer`);
    expect(await done.textContent()).toMatch(/reset in [\d.]+ s: two bare servers are running/);
    expect(reported).toBeGreaterThan(0);
    expect(wall).toBeLessThan(30);

    // The test's own proof, not walboard's.
    for (const node of [0, 1] as const) {
      const [row] = await sql<{ rec: boolean; t: string | null; slots: number }>(
        node,
        "SELECT pg_is_in_recovery() AS rec, to_regclass('public.student_rows')::text AS t, (SELECT count(*)::int FROM pg_replication_slots) AS slots",
      );
      expect(row).toEqual({ rec: false, t: null, slots: 0 });
    }
    for (const node of ['node1', 'node2']) {
      expect((await archived(node)) ?? []).toEqual([]);
      expect(await setAside(node)).toEqual([]);
    }
    // …is gone: the guided lab starts over at its first step.
    expect((await labProgress()).steps.every((x) => x.check === null)).toBe(true);
    // Escape closes the dialog once the reset is over.
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
  });
});
