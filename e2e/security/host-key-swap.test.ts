// A node's ssh host key is replaced (a reinstalled server — or a machine in the middle). walboard
// refuses the new key before authenticating, stops that node with a red alarm on the page,
// writes one audit entry, and connects again only after an admin pins the key it compared.
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HostsRun } from '../hosts/harness.ts';
import { fingerprint, generateKey, hostKeyPath } from '../hosts/sshd.ts';
import { startSshd, stopSshd } from '../hosts/sshd-control.ts';
import { OverviewPage } from '../pom/overview-page.ts';
import type { RunningWalboard } from '../support/walboard.ts';
import { type WalboardOnHosts, walboardOnHosts } from '../support/walboard-on-hosts.ts';

describe('a replaced host key', () => {
  let t: WalboardOnHosts;
  let run: HostsRun;
  let wb: RunningWalboard;
  let page: OverviewPage;
  let newKey: string;

  beforeAll(async () => {
    t = await walboardOnHosts({ browser: true });
    ({ run, wb } = t);
    page = new OverviewPage(await t.newPage());
    await page.open(wb.url);
    await page.waitForReachable('h1', true, 20_000);
  });

  afterAll(async () => t?.close());

  it('is refused before authentication, with a red alarm on the card and one audit entry', async () => {
    const [h1] = run.hosts;
    if (!h1) throw new Error('no h1');
    await stopSshd(run, 'h1');
    const keyFile = hostKeyPath(join(h1.dir, 'ssh'));
    await rm(keyFile, { force: true });
    await rm(`${keyFile}.pub`, { force: true });
    await generateKey('h1', keyFile, 'h1.replaced');
    newKey = await fingerprint('h1', `${keyFile}.pub`);
    expect(newKey).not.toBe(h1.hostKeyFingerprint);
    await startSshd(run, 'h1');

    const alarm = page.page.getByTestId('hostkey-alarm-h1');
    await alarm.and(page.page.locator('[data-state="mismatch"]')).waitFor({ timeout: 20_000 });
    expect(await page.page.getByTestId('hostkey-offered-h1').textContent()).toContain(newKey);
    expect(await alarm.textContent()).toContain(h1.hostKeyFingerprint);
    await page.waitForReachable('h1', false, 5_000);

    const res = await fetch(`${wb.url}/api/audit?action=hostkey.changed`, {
      headers: { cookie: wb.admin.cookie },
    });
    const { entries } = (await res.json()) as {
      entries: { result: string; target: string; detail: { offered: string } }[];
    };
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ result: 'refused', target: 'lab/h1', detail: { offered: newKey } });
  });

  it('stays stopped: no reconnects while the alarm is up', async () => {
    const status = () => wb.app.monitor.snapshot('lab')?.nodes.find((n) => n.node === 'h1');
    await new Promise((r) => setTimeout(r, 2000));
    expect(status()?.hostKey?.state).toBe('mismatch');
    expect(status()?.reachability.ssh).toBe('down');
    const res = await fetch(`${wb.url}/api/audit?action=hostkey.changed`, {
      headers: { cookie: wb.admin.cookie },
    });
    expect(((await res.json()) as { entries: unknown[] }).entries).toHaveLength(1);
  });

  it('connects again after the admin pins the new key on the page', async () => {
    await page.page.getByTestId('hostkey-pin-h1').click();
    const confirm = page.page.getByTestId('hostkey-confirm');
    await confirm.waitFor({ timeout: 5_000 });
    expect(await page.page.locator('body').textContent()).toContain(newKey);
    await confirm.click();
    await page.waitForReachable('h1', true, 20_000);
    const res = await fetch(`${wb.url}/api/audit?action=hostkey.pin`, {
      headers: { cookie: wb.admin.cookie },
    });
    const { entries } = (await res.json()) as { entries: { result: string; username: string }[] };
    expect(entries[0]).toMatchObject({ result: 'ok', username: 'admin' });
  });
});
