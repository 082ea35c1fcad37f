// A server log is written by whoever can make PostgreSQL log something (any client with a bad
// query). A 1 MB line full of HTML and terminal escapes must reach the page cut to size and as
// plain text: no element, no script, no colour codes interpreted.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type HostsRun, psql } from '../hosts/harness.ts';
import { OverviewPage } from '../pom/overview-page.ts';
import { LogsPanel } from '../support/logs-panel.ts';
import type { RunningWalboard } from '../support/walboard.ts';
import { type WalboardOnHosts, walboardOnHosts } from '../support/walboard-on-hosts.ts';

const PAYLOAD = `<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>\x1b[2J\x1b]0;owned\x07`;

describe('hostile log lines', () => {
  let t: WalboardOnHosts;
  let run: HostsRun;
  let wb: RunningWalboard;
  let logs: LogsPanel;

  beforeAll(async () => {
    t = await walboardOnHosts({ browser: true });
    ({ run, wb } = t);
    const page = await t.newPage();
    const overview = new OverviewPage(page);
    logs = new LogsPanel(page);
    await overview.open(wb.url);
    await overview.waitForRole('h1', 'primary');
    await logs.show('h1');
  });

  afterAll(async () => t?.close());

  it('cuts a 1 MB line to 8 KiB and shows HTML and escapes in it as text', async () => {
    // format() builds the line on the server: the SQL text itself stays short.
    await psql(
      run,
      'h1',
      `DO $$BEGIN RAISE LOG '%', 'walboard-huge ' || $p$${PAYLOAD.replaceAll('\x1b', '').replaceAll('\x07', '')}$p$ || chr(27) || '[31m' || repeat('A', 1048576) || $p$${PAYLOAD.replaceAll('\x1b', '').replaceAll('\x07', '')}$p$; END$$`,
    );
    const line = logs.lines('h1', 'walboard-huge').first();
    await line.waitFor({ timeout: 15_000 });
    const text = (await line.textContent()) ?? '';
    expect(Buffer.byteLength(text)).toBeLessThan(8 * 1024 + 200);
    expect(text).toMatch(/\[truncated \d+ bytes\]/);
    expect(text).toContain('<img src=x onerror="window.__pwned=1">');
    expect(text).toContain('<script>window.__pwned=2</script>');
    const page = logs.page;
    expect(await logs.panel('h1').locator('img, script').count()).toBe(0);
    expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
    // The escape character is shown as a visible symbol, never handed to a terminal.
    expect(text).not.toContain('\x1b');

    // REST gives the same cut line as JSON text.
    const res = await fetch(`${wb.url}/api/clusters/lab/nodes/h1/log?lines=2000`, {
      headers: { cookie: wb.admin.cookie },
    });
    const body = (await res.json()) as { lines: { text: string }[] };
    const huge = body.lines.find((l) => l.text.includes('walboard-huge'));
    expect(huge && Buffer.byteLength(huge.text)).toBeLessThan(8 * 1024 + 200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
  });
});
