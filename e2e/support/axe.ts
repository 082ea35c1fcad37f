import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { AxeResults, Result } from 'axe-core';
import type { Page } from 'playwright-core';

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** A serious or critical axe finding, with where it is, for a failure message. */
export interface AxeViolation {
  id: string;
  impact: 'serious' | 'critical';
  help: string;
  helpUrl: string;
  nodes: { target: string; summary: string; html: string }[];
}

/**
 * Runs axe-core on the page as it is now and returns its serious and critical violations.
 *
 * Injected with page.evaluate (DevTools' Runtime.evaluate), which the page's Content-Security-Policy
 * (script-src 'self') does not govern: page.addScriptTag({content}) adds an inline <script> that
 * the CSP refuses, and bypassCSP would test a page without the CSP users get.
 */
export async function seriousAxeViolations(page: Page): Promise<AxeViolation[]> {
  const loaded = await page.evaluate(() => typeof (window as { axe?: unknown }).axe === 'object');
  if (!loaded) await page.evaluate(axeSource);
  const results = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(ctx: Document, o: object): Promise<unknown> } }).axe;
    return axe.run(document, { resultTypes: ['violations'] });
  });
  return (results as AxeResults).violations
    .filter(
      (v): v is Result & { impact: 'serious' | 'critical' } =>
        v.impact === 'serious' || v.impact === 'critical',
    )
    .map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      helpUrl: v.helpUrl,
      nodes: v.nodes.map((n) => ({
        target: n.target.map(String).join(' '),
        summary: (n.failureSummary ?? '').replace(/\s+/g, ' ').trim(),
        html: n.html.length > 160 ? `${n.html.slice(0, 160)}…` : n.html,
      })),
    }));
}

/** The violations as lines a person can act on: rule, impact, each element and what to fix. */
export function formatViolations(where: string, violations: readonly AxeViolation[]): string {
  if (violations.length === 0) return `${where}: no serious or critical axe violation`;
  return [
    `${where}: ${violations.length} serious/critical axe violation(s)`,
    ...violations.flatMap((v) => [
      `- [${v.impact}] ${v.id}: ${v.help} (${v.helpUrl})`,
      ...v.nodes.map((n) => `    at ${n.target}\n      ${n.html}\n      ${n.summary}`),
    ]),
  ].join('\n');
}

/** A piece of text that does not fit: the page scrolls sideways, or an element cuts its own text. */
export interface Misfit {
  kind: 'page-overflow' | 'clipped' | 'off-screen';
  what: string;
  detail: string;
}

/**
 * Checks the page fits its viewport: no horizontal scroll of the whole page, no visible element
 * whose text is cut by its own box (overflow hidden/clip with more content than width or height),
 * and no visible text past the right edge unless a scrolling container holds it (tables, logs).
 */
export async function misfits(page: Page): Promise<Misfit[]> {
  return page.evaluate(() => {
    const found: { kind: 'page-overflow' | 'clipped' | 'off-screen'; what: string; detail: string }[] = [];
    const vw = window.innerWidth;
    const root = document.documentElement;
    if (root.scrollWidth > vw)
      found.push({
        kind: 'page-overflow',
        what: 'html',
        detail: `scrollWidth ${root.scrollWidth} > innerWidth ${vw}`,
      });
    const describe = (el: Element) => {
      const id = el.id ? `#${el.id}` : '';
      const test = el.getAttribute('data-testid');
      const text = (el.textContent ?? '').replace(/\s+/g, ' ').trim().slice(0, 60);
      return `<${el.tagName.toLowerCase()}${id}${test ? ` data-testid="${test}"` : ''}> "${text}"`;
    };
    const visible = (el: Element) => {
      const s = getComputedStyle(el);
      const r = el.getBoundingClientRect();
      return s.visibility !== 'hidden' && s.display !== 'none' && r.width > 0 && r.height > 0;
    };
    const hasOwnText = (el: Element) =>
      Array.from(el.childNodes).some(
        (n) => n.nodeType === Node.TEXT_NODE && (n.textContent ?? '').trim() !== '',
      );
    const scrollsX = (el: Element | null): boolean => {
      for (let p = el?.parentElement ?? null; p && p !== document.body; p = p.parentElement) {
        const o = getComputedStyle(p).overflowX;
        if (o === 'auto' || o === 'scroll') return true;
      }
      return false;
    };
    for (const el of Array.from(document.body.querySelectorAll('*'))) {
      if (!hasOwnText(el) || !visible(el) || el.closest('[aria-hidden="true"], .sr-only')) continue;
      const s = getComputedStyle(el);
      const cutsX = s.overflowX === 'hidden' || s.overflowX === 'clip';
      const cutsY = s.overflowY === 'hidden' || s.overflowY === 'clip';
      const he = el as HTMLElement;
      if ((cutsX && he.scrollWidth > he.clientWidth + 1) || (cutsY && he.scrollHeight > he.clientHeight + 1))
        found.push({
          kind: 'clipped',
          what: describe(el),
          detail: `content ${he.scrollWidth}×${he.scrollHeight} in a box of ${he.clientWidth}×${he.clientHeight}`,
        });
      const r = el.getBoundingClientRect();
      if (r.right > vw + 1 && !scrollsX(el))
        found.push({
          kind: 'off-screen',
          what: describe(el),
          detail: `right edge at ${Math.round(r.right)} px > ${vw}`,
        });
    }
    return found;
  });
}

export function formatMisfits(where: string, list: readonly Misfit[]): string {
  return [
    `${where}: ${list.length} text(s) do not fit`,
    ...list.map((m) => `- ${m.kind}: ${m.what} (${m.detail})`),
  ].join('\n');
}
