import { execFileSync } from 'node:child_process';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { quoteArg, shellQuote } from './shell-quote.ts';

// Characters a shell gives meaning to, plus newlines, non-ASCII and astral code points.
const hostileChar = fc.constantFrom(
  "'",
  '"',
  '$',
  '`',
  '\\',
  '\n',
  '\r',
  '\t',
  ' ',
  '-',
  '*',
  '?',
  '[',
  ']',
  '~',
  ';',
  '|',
  '&',
  '(',
  ')',
  '{',
  '}',
  '<',
  '>',
  '#',
  '!',
  '=',
  '%',
  '^',
  ',',
  'a',
  'Z',
  '0',
  'é',
  'ß',
  '中',
  '😀',
  '\u00a0',
  '\u200b',
  '\x7f',
  '\x01',
);
const hostileArg = fc.string({ unit: hostileChar, maxLength: 24 });
// Any Unicode scalar value except NUL (which shellQuote must refuse).
const anyArg = fc.string({ unit: 'binary', maxLength: 16 }).map((s) => s.replaceAll('\0', ''));
const fixedArg = fc.constantFrom(
  '',
  '-',
  '--',
  '-n',
  '-e',
  '$(id)',
  '`id`',
  "'",
  "''",
  '\\',
  '~',
  '~root',
  '*',
);
const arg = fc.oneof(hostileArg, anyArg, fixedArg);
const argvArb = fc.array(arg, { maxLength: 8 });

const END = '\x01end-of-case';

/**
 * Runs every argv in one shell process as `printf '%s\0' <args> <END>` and splits the output on NUL,
 * so thousands of cases cost a handful of process starts.
 */
function roundTrip(shell: string, viaDashC: boolean, cases: readonly (readonly string[])[]): string[][] {
  const script = cases.map((argv) => shellQuote(['printf', '%s\\0', ...argv, END])).join('\n');
  const out = viaDashC
    ? execFileSync(shell, ['-c', script], { maxBuffer: 64 << 20 })
    : execFileSync(shell, ['-s'], { input: script, maxBuffer: 64 << 20 });
  const fields = out.toString('utf8').split('\0');
  expect(fields.pop()).toBe('');
  const result: string[][] = [];
  let current: string[] = [];
  for (const f of fields) {
    if (f === END) {
      result.push(current);
      current = [];
    } else {
      current.push(f);
    }
  }
  expect(current).toEqual([]);
  return result;
}

describe('shellQuote', () => {
  for (const shell of ['/bin/sh', '/bin/bash']) {
    it(`round-trips 2500 random argv arrays exactly through ${shell}`, () => {
      let checked = 0;
      fc.assert(
        fc.property(fc.array(argvArb, { minLength: 100, maxLength: 100 }), (cases) => {
          expect(roundTrip(shell, false, cases)).toEqual(cases);
          checked += cases.length;
        }),
        { numRuns: 25 },
      );
      expect(checked).toBeGreaterThanOrEqual(2500);
    });
  }

  it('round-trips through `sh -c <line>`, the way LocalTransport runs commands', () => {
    fc.assert(
      fc.property(fc.array(argvArb, { minLength: 50, maxLength: 50 }), (cases) => {
        expect(roundTrip('/bin/sh', true, cases)).toEqual(cases);
      }),
      { numRuns: 10 },
    );
  });

  const hostile: [string, string][] = [
    ['command substitution', '$(id)'],
    ['backticks', '`id`'],
    ['command separator', ';rm -rf /'],
    ['lone quote', "'"],
    ['quote soup', `'"'"'\\'`],
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a literal ${PATH} for sh to leave alone
    ['variable', '$HOME ${PATH} $1 $@ $*'],
    ['glob', '/*'],
    ['tilde', '~'],
    ['option-looking', '-rf'],
    ['newline and comment', 'a\n# b\nc'],
    ['empty', ''],
    ['emoji and accents', 'café 😀 中文'],
    ['trailing backslash', 'x\\'],
    ['redirect', '>/etc/passwd'],
  ];
  for (const [name, value] of hostile) {
    it(`passes ${name} through literally`, () => {
      expect(roundTrip('/bin/sh', true, [[value], ['x', value, value]])).toEqual([
        [value],
        ['x', value, value],
      ]);
    });
  }

  it('produces the documented quoting', () => {
    expect(shellQuote(['echo', "it's", ''])).toBe(`echo 'it'\\''s' ''`);
    // Plain words stay bare (readable archive_command lines); anything else is quoted.
    expect(shellQuote(['cp', '--', '/srv/a,b/x:y@z%f', 'a=b', '~', '*', 'if'])).toBe(
      `cp -- /srv/a,b/x:y@z%f 'a=b' '~' '*' 'if'`,
    );
    expect(quoteArg('$(id)')).toBe(`'$(id)'`);
  });

  it('refuses NUL bytes, lone surrogates and an empty argv with a clear error', () => {
    expect(() => shellQuote(['printf', 'a\0b'])).toThrow(/NUL byte/);
    expect(() => shellQuote(['echo', 'x\uD800y'])).toThrow(/lone UTF-16 surrogate/);
    expect(() => shellQuote(['echo', '\uDC00'])).toThrow(/lone UTF-16 surrogate/);
    expect(() => shellQuote([])).toThrow(/empty argv/);
    expect(shellQuote(['😀'])).toBe(`'😀'`);
  });
});
