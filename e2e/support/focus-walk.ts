import type { Page } from 'playwright-core';

/** What Tab reached on a page, and which controls it missed or showed no focus on. */
export interface FocusWalk {
  /** Every visible, enabled control on the page before the walk (links, buttons, inputs…). */
  controls: string[];
  /** The controls in the order Tab focused them. */
  reached: string[];
  /** Controls Tab never reached. */
  unreached: string[];
  /** Controls that looked the same focused as unfocused (no outline, ring or colour change). */
  noIndicator: string[];
}

const KEY = 'data-focus-walk';

/**
 * Tabs through the page from its top until focus comes back to the first control (or
 * `maxTabs`), the way a keyboard user would. A control counts as showing focus when its outline,
 * box-shadow (Tailwind rings), border or background differs from how it looked before the walk.
 */
export async function walkWithTab(page: Page, maxTabs = 300): Promise<FocusWalk> {
  const controls = await page.evaluate((key) => {
    const selector =
      'a[href], button, input:not([type="hidden"]), select, textarea, summary, [tabindex]:not([tabindex="-1"])';
    const look = (el: Element) => {
      const s = getComputedStyle(el);
      return [
        s.outlineStyle,
        s.outlineWidth,
        s.outlineColor,
        s.boxShadow,
        s.borderColor,
        s.backgroundColor,
      ].join('|');
    };
    const out: string[] = [];
    let i = 0;
    for (const el of Array.from(document.querySelectorAll(selector))) {
      const r = el.getBoundingClientRect();
      const s = getComputedStyle(el);
      // Inside a closed <details> (other than its summary) nothing can be reached until it is opened.
      const folded = el.closest('details:not([open])') !== null && el.closest('summary') === null;
      const hidden =
        r.width === 0 || r.height === 0 || s.visibility === 'hidden' || el.closest('[inert]') || folded;
      if (hidden || (el as HTMLButtonElement).disabled) continue;
      const name =
        el.getAttribute('aria-label') ??
        el.getAttribute('data-testid') ??
        (el.textContent ?? '').replace(/\s+/g, ' ').trim().slice(0, 40);
      el.setAttribute(key, `${i++} <${el.tagName.toLowerCase()}> ${name || el.getAttribute('name') || '?'}`);
      el.setAttribute(`${key}-look`, look(el));
      out.push(el.getAttribute(key) as string);
    }
    (document.activeElement as HTMLElement | null)?.blur();
    window.scrollTo(0, 0);
    return out;
  }, KEY);

  const reached: string[] = [];
  const noIndicator: string[] = [];
  for (let i = 0; i < maxTabs; i++) {
    await page.keyboard.press('Tab');
    const at = await page.evaluate((key) => {
      const el = document.activeElement;
      if (!el || el === document.body) return null;
      const s = getComputedStyle(el);
      const now = [
        s.outlineStyle,
        s.outlineWidth,
        s.outlineColor,
        s.boxShadow,
        s.borderColor,
        s.backgroundColor,
      ].join('|');
      const outline = s.outlineStyle !== 'none' && Number.parseFloat(s.outlineWidth) > 0;
      const before = el.getAttribute(`${key}-look`);
      return {
        id: el.getAttribute(key) ?? `(not listed) <${el.tagName.toLowerCase()}>`,
        shows: outline || now !== before,
      };
    }, KEY);
    if (!at) continue;
    if (reached.length > 0 && at.id === reached[0]) break;
    if (!reached.includes(at.id)) {
      reached.push(at.id);
      if (!at.shows) noIndicator.push(at.id);
    }
  }
  return { controls, reached, unreached: controls.filter((c) => !reached.includes(c)), noIndicator };
}
