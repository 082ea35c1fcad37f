import { OPERATION_TYPES, operationStateSchema } from '@walboard/shared/operations';
import { describe, expect, it } from 'vitest';
import { typeLabel } from '../features/operations/type-labels.ts';
import { catalogParts, catalogs, format, languages, pickLang, placeholdersOf } from './catalog.ts';

// The raw JSON, not `catalogs`: the typed view would hide extra keys in es.json.
const merge = (parts: readonly Readonly<Record<string, string>>[]) =>
  Object.assign({}, ...parts) as Record<string, string>;
const raw: Record<string, Record<string, string>> = {
  en: merge(catalogParts.en),
  es: merge(catalogParts.es),
};
const en = raw.en ?? {};
const es = raw.es ?? {};

describe('i18n catalogs', () => {
  it('never define one key in two files (a later file would silently win)', () => {
    for (const lang of languages) {
      const seen = new Set<string>();
      const clashes: string[] = [];
      for (const part of catalogParts[lang]) {
        for (const k of Object.keys(part)) {
          if (seen.has(k)) clashes.push(k);
          seen.add(k);
        }
      }
      expect({ lang, clashes }).toEqual({ lang, clashes: [] });
    }
  });

  it('have exactly the same keys', () => {
    const enKeys = new Set(Object.keys(raw.en ?? {}));
    for (const lang of languages) {
      const keys = new Set(Object.keys(raw[lang] ?? {}));
      // Named lists, so a failure says which key is missing where.
      const missing = [...enKeys].filter((k) => !keys.has(k));
      const extra = [...keys].filter((k) => !enKeys.has(k));
      expect({ lang, missing, extra }).toEqual({ lang, missing: [], extra: [] });
    }
  });

  it('use the same {placeholders} per key', () => {
    for (const [key, template] of Object.entries(en)) {
      expect(placeholdersOf(es[key] ?? ''), key).toEqual(placeholdersOf(template));
    }
  });

  it("keep each feature file in step: the Spanish file holds exactly the English file's keys", () => {
    catalogParts.en.forEach((enPart, i) => {
      const esKeys = new Set(Object.keys(catalogParts.es[i] ?? {}));
      const enKeys = new Set(Object.keys(enPart));
      const missing = [...enKeys].filter((k) => !esKeys.has(k));
      const extra = [...esKeys].filter((k) => !enKeys.has(k));
      expect({ file: i, missing, extra }).toEqual({ file: i, missing: [], extra: [] });
    });
  });

  it('name every operation type and every operation state in both languages, each differently', () => {
    for (const lang of languages) {
      const labels = OPERATION_TYPES.map((type) => catalogs[lang][typeLabel[type]]);
      expect(new Set(labels).size, lang).toBe(OPERATION_TYPES.length);
      for (const state of operationStateSchema.options) {
        expect(raw[lang]?.[`operations.state.${state}`], `${lang}: ${state}`).toBeTruthy();
      }
    }
  });

  it('have no empty strings', () => {
    for (const lang of languages) {
      for (const [key, text] of Object.entries(catalogs[lang])) {
        expect(text.trim(), `${lang}: ${key}`).not.toBe('');
      }
    }
  });
});

describe('format', () => {
  it('fills placeholders, repeated or not', () => {
    expect(format('{a} and {b} and {a}', { a: 1, b: 'x' })).toBe('1 and x and 1');
  });

  it('leaves unknown placeholders visible and text without vars untouched', () => {
    expect(format('hello {who}', {})).toBe('hello {who}');
    expect(format('hello {who}')).toBe('hello {who}');
  });

  it('does not read inherited properties as values', () => {
    expect(format('{toString}', {})).toBe('{toString}');
  });
});

describe('pickLang', () => {
  it('prefers the stored choice', () => {
    expect(pickLang('es', ['en-US'])).toBe('es');
  });

  it('ignores an unknown stored value and falls back to the browser languages', () => {
    expect(pickLang('fr', ['es-AR', 'en'])).toBe('es');
    expect(pickLang(null, ['fr-FR', 'ES'])).toBe('es');
  });

  it('defaults to English', () => {
    expect(pickLang(null, ['de-DE'])).toBe('en');
    expect(pickLang(null, [])).toBe('en');
  });
});
