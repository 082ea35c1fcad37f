// host-key-changed on a real host: h1's ssh host key is replaced, walboard refuses it (the guard's
// mismatch, seen in the node's status), and the alert fires at once (window 0); pinning the new
// key through the API resolves it. Exactly once each.
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { parseConfigText } from '@walboard/server/src/config/load-config.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { down, type HostsRun, up } from '../hosts/harness.ts';
import { fingerprint, generateKey, hostKeyPath } from '../hosts/sshd.ts';
import { startSshd, stopSshd } from '../hosts/sshd-control.ts';
import { waitForStatus } from '../monitor/wait.ts';
import { closeWalboardWithin } from '../support/close-walboard.ts';
import { configForHosts, type RunningWalboard, startWalboard } from '../support/walboard.ts';
import { startReceiver, type WebhookReceiver } from './webhook-receiver.ts';

describe('host-key-changed alert: a replaced host key fires, pinning it resolves', () => {
  let run: HostsRun;
  let wb: RunningWalboard;
  let hook: WebhookReceiver;
  let newKey = '';

  beforeAll(async () => {
    hook = await startReceiver();
    run = await up(1, [15]);
    const { yaml } = configForHosts(run);
    const alerts = `alerts:
  webhooks: [{ name: hook, url: "${hook.url}" }]
  rules:
    - { name: host-key, kind: host-key-changed }
`;
    wb = await startWalboard(
      parseConfigText(`${run.runDir}/walboard.yaml`, `${yaml}${alerts}`),
      run.hosts[0]?.pg.password ?? '',
    );
    await waitForStatus(wb.app.monitor, 'lab', 'h1', (s) => s.reachability.ssh === 'up', 20_000, 'ssh up');
  });

  afterAll(async () => {
    await closeWalboardWithin(wb);
    if (run) await down(run);
    await hook?.close();
  });

  it('fires once when h1 offers another key, naming both fingerprints', async () => {
    const [h1] = run.hosts;
    if (!h1) throw new Error('no h1');
    await stopSshd(run, 'h1');
    const keyFile = hostKeyPath(join(h1.dir, 'ssh'));
    await rm(keyFile, { force: true });
    await rm(`${keyFile}.pub`, { force: true });
    await generateKey('h1', keyFile, 'h1.replaced');
    newKey = await fingerprint('h1', `${keyFile}.pub`);
    await startSshd(run, 'h1');
    const fired = await hook.waitFor((b) => b.status === 'firing', 20_000, 'firing host-key');
    expect(fired.body).toMatchObject({
      rule: 'host-key',
      kind: 'host-key-changed',
      node: 'h1',
      value: newKey,
    });
    expect(fired.body.summary).toContain(newKey);
    expect(fired.body.summary).toContain(h1.hostKeyFingerprint);
    await new Promise((r) => setTimeout(r, 3_000));
    expect(hook.delivered().map((b) => b.status)).toEqual(['firing']);
  });

  it('pinning the new key resolves it, once', async () => {
    const res = await fetch(`${wb.url}/api/clusters/lab/nodes/h1/host-key`, {
      method: 'PUT',
      headers: wb.admin.mutation,
      body: JSON.stringify({ fingerprint: newKey }),
    });
    expect(res.status, await res.text()).toBe(200);
    const resolved = await hook.waitFor((b) => b.status === 'resolved', 20_000, 'resolved host-key');
    expect(resolved.body.summary).toMatch(/offers its pinned ssh host key again/);
    await new Promise((r) => setTimeout(r, 2_000));
    expect(hook.delivered().map((b) => b.status)).toEqual(['firing', 'resolved']);
  });
});
