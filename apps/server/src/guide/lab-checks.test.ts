import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { labTextSchema } from '@walboard/shared/guide';
import { describe, expect, it } from 'vitest';
import { CHECK_TEXT_KEYS } from './lab-checks.ts';

const guideMessages = join(dirname(fileURLToPath(import.meta.url)), '../../../web/src/features/guide');

function catalog(lang: 'en' | 'es'): Record<string, string> {
  return JSON.parse(readFileSync(join(guideMessages, `messages.${lang}.json`), 'utf8')) as Record<
    string,
    string
  >;
}

describe('Check sentences', () => {
  it('every sentence a Check can say is in the page catalog, in English and Spanish', () => {
    for (const lang of ['en', 'es'] as const) {
      const c = catalog(lang);
      const missing = CHECK_TEXT_KEYS.filter((k) => typeof c[k] !== 'string');
      expect(missing, lang).toEqual([]);
    }
  });

  it('every key passes the shared schema (the page only translates guide.check.* keys)', () => {
    for (const key of CHECK_TEXT_KEYS)
      expect(labTextSchema.safeParse({ key, params: {} }).success).toBe(true);
  });

  it('the source names no Check sentence the list does not hold', () => {
    const source = readFileSync(join(dirname(fileURLToPath(import.meta.url)), 'lab-checks.ts'), 'utf8');
    const used = new Set([...source.matchAll(/'(guide\.check\.[A-Za-z]+)'/g)].map((m) => m[1]));
    expect([...used].sort()).toEqual([...CHECK_TEXT_KEYS].sort());
  });
});
