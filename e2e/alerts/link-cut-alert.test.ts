// Alerts on real test hosts: h2 is cut off the network (its namespace isolated), so the
// node-unreachable rule fires once its 3 s window has passed, and resolves once h2 is back —
// exactly once each, at a receiver that answers at once, at one that fails its first two
// requests (retries with backoff), while a third that always fails is given up (audited) without
// holding up the others. The Alerts page, opened before the cut, shows both live (no reload).
import { parseConfigText } from '@walboard/server/src/config/load-config.ts';
import type { AlertWebhookBody } from '@walboard/shared/alerts';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { down, type HostsRun, isolate, rejoin, up } from '../hosts/harness.ts';
import { waitForStatus } from '../monitor/wait.ts';
import { formatViolations, seriousAxeViolations } from '../support/axe.ts';
import { type BrowserHandle, launchChromium, signInContext } from '../support/browser.ts';
import { closeWalboardWithin } from '../support/close-walboard.ts';
import { configForHosts, type RunningWalboard, startWalboard } from '../support/walboard.ts';
import { startReceiver, type WebhookReceiver } from './webhook-receiver.ts';

const FOR_SECONDS = 3;
/** Detection (the poller marks a silent node down within ~1–2 s) plus the send, on a busy machine. */
const DETECT_MS = 3_000;

const h2Lines = (bodies: AlertWebhookBody[]) =>
  bodies.filter((b) => b.node === 'h2').map((b) => `${b.status} ${b.rule}`);

describe('alerts on test hosts: a cut link fires within the window and resolves after heal, once each', () => {
  let run: HostsRun;
  let wb: RunningWalboard;
  let ok: WebhookReceiver;
  let flaky: WebhookReceiver;
  let dead: WebhookReceiver;
  let cutAt = 0;
  let healedAt = 0;
  let browser: BrowserHandle;
  let page: Page;

  beforeAll(async () => {
    [ok, flaky, dead] = await Promise.all([
      startReceiver(),
      startReceiver({ failFirst: 2 }),
      startReceiver({ alwaysFail: true }),
    ]);
    run = await up(2, [15, 15]);
    const [h1] = run.hosts;
    if (!h1) throw new Error('the harness did not create two hosts');
    const { yaml } = configForHosts(run);
    const alerts = `alerts:
  webhooks:
    - { name: ok, url: "${ok.url}" }
    - { name: flaky, url: "${flaky.url}" }
    - { name: dead, url: "${dead.url}" }
  delivery: { attempts: 4, backoffMs: 200, maxBackoffMs: 1000, timeoutMs: 2000 }
  rules:
    - { name: node-down, kind: node-unreachable, forSeconds: ${FOR_SECONDS}, webhooks: [ok, flaky] }
    - { name: node-down-dead-hook, kind: node-unreachable, forSeconds: ${FOR_SECONDS}, nodes: [h2], webhooks: [dead] }
`;
    // Through the real loader, as a user would write it.
    const config = parseConfigText(`${run.runDir}/walboard.yaml`, `${yaml}${alerts}`);
    wb = await startWalboard(config, h1.pg.password);
    for (const n of ['h1', 'h2'])
      await waitForStatus(
        wb.app.monitor,
        'lab',
        n,
        (s) => s.reachability.ssh === 'up' && s.reachability.pg === 'up',
        20_000,
        'reachable status',
      );
    browser = await launchChromium(wb);
    page = await browser.context.newPage();
    await page.goto(`${wb.url}/#/alerts`);
    await page.getByTestId('alerts-current').getByText('No alert is firing.').waitFor({ timeout: 15_000 });
  });

  afterAll(async () => {
    await browser?.close();
    await closeWalboardWithin(wb);
    if (run) await down(run);
    await Promise.all([ok?.close(), flaky?.close(), dead?.close()]);
  });

  it('nothing is sent while both nodes are healthy', async () => {
    // Longer than the window: a healthy cluster must not fire.
    await new Promise((r) => setTimeout(r, (FOR_SECONDS + 1) * 1000));
    expect(ok.requests).toEqual([]);
    expect(wb.app.alerts.list().current).toEqual([]);
  });

  it('h2 cut off: node-unreachable fires after the window (not before), once, to every webhook', async () => {
    cutAt = Date.now();
    await isolate(run, 'h2');
    const fired = await ok.waitFor(
      (b) => b.status === 'firing' && b.node === 'h2' && b.rule === 'node-down',
      FOR_SECONDS * 1000 + DETECT_MS + 5_000,
      'firing node-down for h2',
    );
    const ms = fired.at - cutAt;
    console.info(`node-down fired at the receiver ${ms} ms after the cut (window ${FOR_SECONDS} s)`);
    expect(ms).toBeGreaterThanOrEqual(FOR_SECONDS * 1000);
    expect(ms).toBeLessThanOrEqual(FOR_SECONDS * 1000 + DETECT_MS);
    expect(Date.parse(fired.body.firedAt) - Date.parse(fired.body.since)).toBeGreaterThanOrEqual(
      FOR_SECONDS * 1000 - 5,
    );
    expect(fired.body.text).toMatch(
      /^\[FIRING\] walboard node-down \(node-unreachable\): lab\/h2 is unreachable/,
    );
    // The flaky receiver answered 503 twice: the third try, after backoff, got through.
    const viaRetry = await flaky.waitFor(
      (b) => b.status === 'firing' && b.node === 'h2' && b.rule === 'node-down',
      5_000,
      'firing at the flaky receiver',
    );
    console.info(
      `flaky receiver: delivered ${viaRetry.at - fired.at} ms after the first receiver (2 × 503 first)`,
    );
    expect(flaky.requests.slice(0, 3).map((r) => r.answered)).toEqual([503, 503, 204]);
    // On the page, live: the firing row appears in "Firing now" (within 2 s of the webhook).
    await page
      .getByTestId('alerts-current')
      .locator('[data-testid="alert-node-down-h2"][data-status="firing"]')
      .waitFor({ timeout: 2_000 });
    expect(await page.getByTestId('alerts-current').getByTestId('alert-node-down-h2').textContent()).toMatch(
      /Firing.*node-down.*Node unreachable.*h2.*lab\/h2 is unreachable/,
    );
    expect(
      await seriousAxeViolations(page),
      formatViolations('Alerts page', await seriousAxeViolations(page)),
    ).toEqual([]);
    // The condition lasts: heartbeats repeat "down", nothing more may be sent.
    await new Promise((r) => setTimeout(r, 4_000));
    expect(h2Lines(ok.delivered())).toEqual(['firing node-down']);
    expect(
      wb.app.alerts
        .list()
        .current.map((a) => `${a.rule} ${a.node}`)
        .sort(),
    ).toEqual(['node-down h2', 'node-down-dead-hook h2']);
  });

  it('h2 back: one "resolved" each, the dead webhook given up and audited, h1 never alerted', async () => {
    await rejoin(run, 'h2');
    healedAt = Date.now();
    const resolved = await ok.waitFor(
      (b) => b.status === 'resolved' && b.node === 'h2' && b.rule === 'node-down',
      15_000,
      'resolved node-down for h2',
    );
    console.info(`node-down resolved at the receiver ${resolved.at - healedAt} ms after the host rejoined`);
    expect(resolved.body.text).toMatch(/^\[RESOLVED\] walboard node-down/);
    await flaky.waitFor(
      (b) => b.status === 'resolved' && b.node === 'h2',
      10_000,
      'resolved at the flaky receiver',
    );
    // Both messages to the dead hook are given up after 4 tries (~0.2 + 0.4 + 0.8 s of backoff).
    await wb.app.alerts.settled();
    await new Promise((r) => setTimeout(r, 3_000));
    await wb.app.alerts.settled();
    expect(h2Lines(ok.delivered())).toEqual(['firing node-down', 'resolved node-down']);
    expect(h2Lines(flaky.delivered())).toEqual(['firing node-down', 'resolved node-down']);
    expect(ok.delivered().filter((b) => b.node !== 'h2')).toEqual([]);
    expect(h2Lines(dead.requests.map((r) => r.body))).toEqual([
      ...Array(4).fill('firing node-down-dead-hook'),
      ...Array(4).fill('resolved node-down-dead-hook'),
    ]);
    // The same alert id on both messages.
    const [f, r] = ok.delivered();
    expect(r?.id).toBe(f?.id);

    const audit = (action: string) =>
      wb.app.store.audit.list({ limit: 100, action }).map((e) => `${e.target} ${e.detail.rule}`);
    expect(audit('alert.fired').sort()).toEqual(['lab/h2 node-down', 'lab/h2 node-down-dead-hook']);
    expect(audit('alert.resolved').sort()).toEqual(['lab/h2 node-down', 'lab/h2 node-down-dead-hook']);
    const failed = wb.app.store.audit.list({ limit: 100, action: 'alert.delivery-failed' });
    expect(failed.map((e) => `${e.detail.status} ${e.detail.webhook} ${e.detail.attempts}`)).toEqual([
      'resolved dead 4',
      'firing dead 4',
    ]);
    expect(failed[0]?.message).toMatch(
      /was not delivered to webhook "dead" after 4 attempt\(s\): answered HTTP 503/,
    );
    expect(JSON.stringify(failed)).not.toContain(dead.url);
    // The page moved it to "Recently resolved" by itself, and nothing is firing any more.
    await page
      .getByTestId('alerts-recent')
      .locator('[data-testid="alert-node-down-h2"][data-status="resolved"]')
      .waitFor({ timeout: 2_000 });
    await page.getByTestId('alerts-current').getByText('No alert is firing.').waitFor({ timeout: 2_000 });
    // In Spanish, from the REST list (a page opened after the fact).
    const es = await browser.browser.newContext({ locale: 'es-ES' });
    await signInContext(es, wb.url, wb.admin.cookie);
    const esPage = await es.newPage();
    await esPage.goto(`${wb.url}/#/alerts`);
    await esPage.getByRole('heading', { name: 'Alertas de lab' }).waitFor({ timeout: 10_000 });
    const row = esPage.getByTestId('alerts-recent').getByTestId('alert-node-down-h2');
    await row.waitFor({ timeout: 5_000 });
    expect(await row.textContent()).toMatch(/Resuelta.*node-down.*Nodo inaccesible/);
    await es.close();
    const list = wb.app.alerts.list();
    expect(list.current).toEqual([]);
    expect(list.recent.map((a) => `${a.status} ${a.rule} ${a.node}`).sort()).toEqual([
      'resolved node-down h2',
      'resolved node-down-dead-hook h2',
    ]);
  });
});
