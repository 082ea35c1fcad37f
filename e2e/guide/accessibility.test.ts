// Accessibility of the pages a student uses, in Chromium on the embedded lab (as `npm start`
// runs it): axe-core finds no serious or critical violation, text fits at 1280×800 and on a
// 390-px phone, and the keyboard alone reaches every control of the Overview with visible focus.
import type { SignedIn } from '@walboard/server/src/auth/test-support/sign-in.ts';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatMisfits, formatViolations, misfits, seriousAxeViolations } from '../support/axe.ts';
import { type BrowserHandle, launchChromium } from '../support/browser.ts';
import { type EmbeddedLab, signInWithLink, startEmbeddedLab } from '../support/embedded-lab.ts';
import { walkWithTab } from '../support/focus-walk.ts';
import { runOperation, whyFailed } from '../support/operations-api.ts';

interface View {
  name: string;
  /** Brings the signed-in page to this view, loaded (live data shown). */
  open(page: Page, url: string): Promise<void>;
}

/** The views scanned: add one line per view (the Lab view, the WAL journey…). */
const VIEWS: View[] = [
  {
    name: 'Overview',
    open: async (page, url) => {
      await page.goto(`${url}/#/overview`);
      await page.getByTestId('lang-en').click();
      await page.getByTestId('node-card-node2').waitFor({ timeout: 15_000 });
    },
  },
  {
    // Where the embedded lab opens (no section named): the guided steps and the WAL journey.
    name: 'Lab view with the WAL journey',
    open: async (page, url) => {
      await page.goto(`${url}/#/`);
      await page.getByTestId('lab-step-prepare').waitFor({ timeout: 15_000 });
      await page.getByTestId('wal-journey').waitFor({ timeout: 15_000 });
      await page.getByTestId('lab-then-now').first().waitFor({ timeout: 15_000 });
    },
  },
  {
    name: 'Reset lab dialog',
    open: async (page, url) => {
      await page.goto(`${url}/#/overview`);
      await page.getByTestId('lab-reset-open').click();
      await page.getByTestId('lab-reset-dialog').waitFor();
    },
  },
  {
    name: 'Operation dialog with its plan',
    open: async (page, url) => {
      await page.goto(`${url}/#/overview`);
      await page.getByTestId('node-actions-node1').click();
      await page.getByTestId('node-action-node1-setup-replication').click();
      await page.getByTestId('operation-dialog').waitFor();
      await page.getByTestId('operation-dry-run').click();
      await page.getByTestId('operation-confirm').waitFor({ timeout: 15_000 });
    },
  },
  {
    name: 'Operations',
    open: async (page, url) => {
      await page.goto(`${url}/#/operations`);
      await page.getByTestId('history-page').waitFor({ timeout: 15_000 });
    },
  },
  {
    name: 'Users',
    open: async (page, url) => {
      await page.goto(`${url}/#/users`);
      await page.getByTestId('user-row-lab').waitFor({ timeout: 15_000 });
    },
  },
  {
    name: 'API page, one route open',
    open: async (page, url) => {
      await page.goto(`${url}/#/api`);
      await page.getByTestId('api-op-startOperation').locator('summary').click();
    },
  },
  {
    name: 'Lab view in Spanish, a step plan open',
    open: async (page, url) => {
      await page.goto(`${url}/#/lab`);
      await page.getByTestId('lang-es').click();
      const commands = page.getByTestId('lab-step-shipping').getByTestId('lab-step-commands');
      await commands.locator('summary').click();
      await commands.getByTestId('operation-plan').waitFor({ timeout: 15_000 });
    },
  },
];

const SCREENS = [
  { name: '1280×800', width: 1280, height: 800 },
  { name: '390×844 phone', width: 390, height: 844 },
] as const;

describe('accessibility and small screens', () => {
  let lab: EmbeddedLab;
  let browser: BrowserHandle;
  let page: Page;
  let admin: SignedIn;

  beforeAll(async () => {
    lab = await startEmbeddedLab();
    browser = await launchChromium();
    ({ page, admin } = await signInWithLink(browser.context, lab));
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await lab?.close();
  });

  /** Every view at one screen size: axe's serious/critical findings and texts that do not fit. */
  async function scanViews(screen: (typeof SCREENS)[number], state: string): Promise<string[]> {
    await page.setViewportSize({ width: screen.width, height: screen.height });
    const problems: string[] = [];
    for (const view of VIEWS) {
      // A fresh page for each view: a dialog the previous view opened must not cover this one.
      await page.goto('about:blank');
      await view.open(page, lab.url);
      const where = `${view.name} at ${screen.name}${state}`;
      const violations = await seriousAxeViolations(page);
      if (violations.length > 0) problems.push(formatViolations(where, violations));
      const misfit = await misfits(page);
      if (misfit.length > 0) problems.push(formatMisfits(where, misfit));
    }
    return problems;
  }

  for (const screen of SCREENS) {
    it(`axe finds no serious or critical violation, and text fits, at ${screen.name}`, async () => {
      expect((await scanViews(screen, '')).join('\n\n')).toBe('');
    });
  }

  it('after real replication (node2 a standby of node1) the views still pass axe and fit, at both sizes', async () => {
    const op = await runOperation(
      { url: lab.url, admin },
      { type: 'setup-replication', node: 'node1', params: { standbys: ['node2'] } },
      120_000,
    );
    expect(op.state, whyFailed(op)).toBe('succeeded');
    const problems: string[] = [];
    for (const screen of SCREENS) problems.push(...(await scanViews(screen, ', replicating')));
    expect(problems.join('\n\n')).toBe('');
  });

  it('Tab alone reaches every control of the Overview, each with a visible focus indicator', async () => {
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.goto('about:blank');
    await VIEWS[0]?.open(page, lab.url);
    const walk = await walkWithTab(page);
    console.log(
      `Overview by keyboard: ${walk.controls.length - walk.unreached.length} of ${walk.controls.length} controls reached in ${walk.reached.length} Tab stops, ${walk.noIndicator.length} without visible focus`,
    );
    // Sanity: the Overview has its navigation, node actions and panels; a walk of a handful means a broken test.
    expect(walk.controls.length).toBeGreaterThan(10);
    expect(walk.unreached, `reached in order:\n${walk.reached.join('\n')}`).toEqual([]);
    expect(walk.noIndicator).toEqual([]);
  });

  it('Tab alone reaches every control of the Lab view (steps, journey buttons), each with a visible focus indicator', async () => {
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.goto('about:blank');
    await VIEWS.find((v) => v.name === 'Lab view with the WAL journey')?.open(page, lab.url);
    const walk = await walkWithTab(page);
    console.log(
      `Lab view by keyboard: ${walk.controls.length - walk.unreached.length} of ${walk.controls.length} controls reached in ${walk.reached.length} Tab stops, ${walk.noIndicator.length} without visible focus`,
    );
    // Eight steps, each with its plan, Run and Check, and the journey's two buttons.
    expect(walk.controls.length).toBeGreaterThan(30);
    expect(walk.unreached, `reached in order:\n${walk.reached.join('\n')}`).toEqual([]);
    expect(walk.noIndicator).toEqual([]);
  });

  it('Reset lab works from the keyboard: Enter opens the dialog with focus inside, Escape closes it and focus returns', async () => {
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.goto('about:blank');
    await VIEWS[0]?.open(page, lab.url);
    await page.getByTestId('lab-reset-open').focus();
    await page.keyboard.press('Enter');
    await page.getByTestId('lab-reset-dialog').waitFor();
    // Inside the modal dialog or, past its last control, in the browser's own UI: never on the page behind.
    const where = () =>
      page.evaluate(() => {
        const el = document.activeElement;
        if (!el || el === document.body) return 'browser';
        return el.closest('[data-testid="lab-reset-dialog"]')
          ? 'dialog'
          : `page: ${el.outerHTML.slice(0, 80)}`;
      });
    expect(await where()).toBe('dialog');
    const seen: string[] = [];
    for (let i = 0; i < 6; i++) {
      await page.keyboard.press('Tab');
      seen.push(await where());
    }
    expect(seen.filter((w) => w !== 'dialog' && w !== 'browser')).toEqual([]);
    expect(seen.filter((w) => w === 'dialog').length).toBeGreaterThanOrEqual(3);
    await page.keyboard.press('Escape');
    await page.getByTestId('lab-reset-dialog').waitFor({ state: 'detached' });
    expect(await page.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe(
      'lab-reset-open',
    );
  });

  it('the checks catch what they look for (an image without text, a wide block, cut text, a control without focus style)', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto('about:blank');
    await VIEWS[0]?.open(page, lab.url);
    await page.evaluate(() => {
      // Beside the page's root, not inside it (React may re-render its own tree), styled through
      // the CSSOM: the page's CSP (style-src 'self') drops style="" attributes in markup.
      const add = (tag: string, text: string, style: Partial<CSSStyleDeclaration>) => {
        const el = document.createElement(tag);
        el.textContent = text;
        Object.assign(el.style, style);
        document.body.append(el);
        return el;
      };
      const img = document.createElement('img');
      img.src = 'data:image/gif;base64,R0lGODlhAQABAAAAACw=';
      img.width = 20;
      img.height = 20;
      document.body.append(img);
      add('div', 'wide block of text', { width: '900px' });
      add('div', 'text that cannot fit in sixty pixels', {
        width: '60px',
        overflow: 'hidden',
        whiteSpace: 'nowrap',
      });
      const plain = add('button', 'plain', { outline: 'none', boxShadow: 'none' });
      plain.setAttribute('data-testid', 'no-focus-style');
    });
    const axe = await seriousAxeViolations(page);
    expect(axe.map((v) => v.id)).toContain('image-alt');
    const kinds = (await misfits(page)).map((m) => m.kind);
    expect(kinds).toEqual(expect.arrayContaining(['page-overflow', 'off-screen', 'clipped']));
    const walk = await walkWithTab(page);
    expect(walk.noIndicator.some((c) => c.includes('no-focus-style'))).toBe(true);
    await page.reload();
  });
});
