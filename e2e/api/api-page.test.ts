// The REST API page and the split page code, in Chromium on a real host: the first screen does
// not fetch the API page's code; opening "API" fetches it and lists every operation of
// /api/openapi.json, with a request body as the validator describes it.
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningWalboard } from '../support/walboard.ts';
import { type WalboardOnHosts, walboardOnHosts } from '../support/walboard-on-hosts.ts';

describe('the API page', () => {
  let t: WalboardOnHosts;
  let wb: RunningWalboard;
  let page: Page;
  const scripts: string[] = [];

  beforeAll(async () => {
    t = await walboardOnHosts({ browser: true });
    ({ wb } = t);
    page = await t.newPage();
    page.on('request', (r) => {
      if (r.resourceType() === 'script') scripts.push(new URL(r.url()).pathname);
    });
  });
  afterAll(async () => t?.close());

  it('shows the overview without fetching the API page code', async () => {
    await page.goto(wb.url);
    await page.locator('[data-testid="node-card-h1"][data-reachable="true"]').waitFor({ timeout: 20_000 });
    expect(scripts.length).toBeGreaterThan(1);
    expect(scripts.filter((s) => s.includes('ApiDocsPage'))).toEqual([]);
  });

  it('lists every operation of the OpenAPI document once the API tab is opened', async () => {
    await page.getByTestId('nav-api').click();
    await page.getByTestId('api-page').waitFor({ timeout: 10_000 });
    expect(scripts.some((s) => /\/assets\/ApiDocsPage-[^/]+\.js$/.test(s))).toBe(true);
    const res = await fetch(`${wb.url}/api/openapi.json`, { headers: { cookie: wb.admin.cookie } });
    const doc = (await res.json()) as { paths: Record<string, Record<string, { operationId: string }>> };
    const ids = Object.values(doc.paths).flatMap((item) => Object.values(item).map((op) => op.operationId));
    expect(ids.length).toBeGreaterThan(20);
    await page.locator('[data-testid^="api-op-"]').first().waitFor({ timeout: 10_000 });
    const shown = await page
      .locator('[data-testid^="api-op-"]')
      .evaluateAll((els) => els.map((e) => e.getAttribute('data-testid')?.slice('api-op-'.length)));
    expect(shown.sort()).toEqual([...ids].sort());
  });

  it('opens an operation: method, path, role and the body the server validates', async () => {
    const op = page.getByTestId('api-op-createUser');
    await op.locator('summary').click();
    const text = (await op.textContent()) ?? '';
    expect(text).toContain('/api/users');
    expect(text).toContain('admin');
    expect(text).toContain('password: string 12–1024 chars');
    expect(text).toContain('role: "viewer" | "operator" | "admin"');
  });
});
