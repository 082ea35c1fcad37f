// A lag-bytes rule on a real PostgreSQL 15 pair: replay paused on the standby while the primary
// writes ~8 MB of WAL, so the standby falls behind past the 1 MiB threshold; once the primary is
// idle again no new links event comes (nothing changes), and the alert must still fire when its
// window ends. Resuming replay resolves it. Exactly once each at the receiver.
import { parseConfigText } from '@walboard/server/src/config/load-config.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { down, type HostsRun, psql } from '../hosts/harness.ts';
import { linkOf, waitForLinks } from '../monitor/wait.ts';
import { closeWalboardWithin } from '../support/close-walboard.ts';
import { buildStandby, upPairs, type VersionPair } from '../support/replication.ts';
import { configForHosts, type RunningWalboard, startWalboard } from '../support/walboard.ts';
import { startReceiver, type WebhookReceiver } from './webhook-receiver.ts';

const THRESHOLD = 1024 * 1024;
const FOR_SECONDS = 2;

describe('lag-bytes alert on a real pair (PostgreSQL 15): fires after its window, resolves on catch-up', () => {
  let run: HostsRun;
  let wb: RunningWalboard;
  let hook: WebhookReceiver;
  let pair: VersionPair;

  beforeAll(async () => {
    hook = await startReceiver();
    const up = await upPairs([15]);
    run = up.run;
    const [p] = up.pairs;
    if (!p) throw new Error('no pair built');
    pair = p;
    await buildStandby(run, pair.primary, pair.standby);
    const { yaml } = configForHosts(run);
    const alerts = `alerts:
  webhooks: [{ name: hook, url: "${hook.url}" }]
  delivery: { attempts: 3, backoffMs: 100, maxBackoffMs: 400, timeoutMs: 2000 }
  rules:
    - { name: standby-behind, kind: lag-bytes, threshold: ${THRESHOLD}, forSeconds: ${FOR_SECONDS} }
`;
    wb = await startWalboard(
      parseConfigText(`${run.runDir}/walboard.yaml`, `${yaml}${alerts}`),
      pair.primary.pg.password,
    );
    await waitForLinks(
      wb.app.monitor,
      'lab',
      (l) => {
        const link = linkOf(l, pair.standby.name);
        return link?.streaming && link.lag.replayBytes === 0 ? link : undefined;
      },
      20_000,
      'a caught-up streaming standby',
    );
  });

  afterAll(async () => {
    await closeWalboardWithin(wb);
    if (run) await down(run);
    await hook?.close();
  });

  it('replay paused and 8 MB written: fires once, after the window, with the lag in bytes', async () => {
    await psql(run, pair.standby.name, 'SELECT pg_wal_replay_pause()');
    await psql(
      run,
      pair.primary.name,
      "CREATE TABLE lag_alert AS SELECT g, repeat('x', 100) AS pad FROM generate_series(1, 60000) g",
    );
    const wroteAt = Date.now();
    const fired = await hook.waitFor((b) => b.status === 'firing', 15_000, 'firing standby-behind');
    console.info(`lag-bytes fired ${fired.at - wroteAt} ms after the write (window ${FOR_SECONDS} s)`);
    expect(fired.at - wroteAt).toBeGreaterThanOrEqual(FOR_SECONDS * 1000 - 200);
    expect(fired.body).toMatchObject({
      rule: 'standby-behind',
      kind: 'lag-bytes',
      cluster: 'lab',
      node: pair.standby.name,
    });
    expect(Number(fired.body.value)).toBeGreaterThan(THRESHOLD);
    expect(fired.body.summary).toMatch(/standby lab\/h2 is [\d.]+ MiB behind h1 \(limit 1\.0 MiB\)/);
    await new Promise((r) => setTimeout(r, 3_000));
    expect(hook.delivered().map((b) => b.status)).toEqual(['firing']);
  });

  it('replay resumed: one "resolved" once the standby is under the threshold', async () => {
    await psql(run, pair.standby.name, 'SELECT pg_wal_replay_resume()');
    const resolved = await hook.waitFor((b) => b.status === 'resolved', 15_000, 'resolved standby-behind');
    expect(resolved.body.summary).toMatch(/back under the limit/);
    await new Promise((r) => setTimeout(r, 3_000));
    expect(hook.delivered().map((b) => b.status)).toEqual(['firing', 'resolved']);
    expect(hook.requests).toHaveLength(2);
    expect(wb.app.store.audit.list({ limit: 10, action: 'alert.resolved' })).toHaveLength(1);
  });
});
