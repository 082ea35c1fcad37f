// archiver-failing on a real PostgreSQL 15 primary: archive_command /bin/false makes the archiver
// fail; the alert fires once it has failed for the 2 s window, once. A working command (reload)
// and a new segment clear it: one "resolved".
import { parseConfigText } from '@walboard/server/src/config/load-config.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { down, type HostInfo, type HostsRun, up } from '../hosts/harness.ts';
import { waitForStatus } from '../monitor/wait.ts';
import { closeWalboardWithin } from '../support/close-walboard.ts';
import { enableArchiving, setArchiveCommand, switchWal } from '../support/replication.ts';
import { configForHosts, type RunningWalboard, startWalboard } from '../support/walboard.ts';
import { startReceiver, type WebhookReceiver } from './webhook-receiver.ts';

const FOR_SECONDS = 2;

describe('archiver-failing alert on a real primary (PostgreSQL 15)', () => {
  let run: HostsRun;
  let wb: RunningWalboard;
  let hook: WebhookReceiver;
  let h1: HostInfo;

  beforeAll(async () => {
    hook = await startReceiver();
    run = await up(1, [15]);
    const [h] = run.hosts;
    if (!h) throw new Error('no h1');
    h1 = h;
    await enableArchiving(run, h1, '/bin/false');
    const { yaml } = configForHosts(run);
    const alerts = `alerts:
  webhooks: [{ name: hook, url: "${hook.url}" }]
  rules:
    - { name: archiver, kind: archiver-failing, forSeconds: ${FOR_SECONDS} }
`;
    wb = await startWalboard(
      parseConfigText(`${run.runDir}/walboard.yaml`, `${yaml}${alerts}`),
      h1.pg.password,
    );
    await waitForStatus(
      wb.app.monitor,
      'lab',
      'h1',
      (s) => s.archiver !== null,
      20_000,
      'an archiver status',
    );
  });

  afterAll(async () => {
    await closeWalboardWithin(wb);
    if (run) await down(run);
    await hook?.close();
  });

  it('a failing archive_command fires after the window, once, with the failed WAL', async () => {
    await switchWal(run, h1);
    const failing = await waitForStatus(
      wb.app.monitor,
      'lab',
      'h1',
      (s) => s.archiver?.failing === true,
      20_000,
      'a failing archiver',
    );
    const seenAt = Date.now();
    const fired = await hook.waitFor((b) => b.status === 'firing', 15_000, 'firing archiver');
    console.info(
      `archiver-failing fired ${fired.at - seenAt} ms after walboard saw the failure (window ${FOR_SECONDS} s)`,
    );
    expect(fired.at - seenAt).toBeGreaterThanOrEqual(FOR_SECONDS * 1000 - 300);
    expect(fired.body).toMatchObject({ rule: 'archiver', kind: 'archiver-failing', node: 'h1' });
    expect(fired.body.value).toMatch(/^[0-9A-F]{24}$/);
    expect(fired.body.summary).toMatch(/the archiver of lab\/h1 is failing/);
    expect(failing.archiver?.failedCount).toBeGreaterThanOrEqual(1);
    await new Promise((r) => setTimeout(r, 3_000));
    expect(hook.delivered().map((b) => b.status)).toEqual(['firing']);
  });

  it('a working archive_command resolves it, once', async () => {
    await setArchiveCommand(run, h1, '/bin/true');
    await switchWal(run, h1);
    const resolved = await hook.waitFor((b) => b.status === 'resolved', 30_000, 'resolved archiver');
    expect(resolved.body.summary).toMatch(/archives again/);
    await new Promise((r) => setTimeout(r, 2_000));
    expect(hook.delivered().map((b) => b.status)).toEqual(['firing', 'resolved']);
  });
});
