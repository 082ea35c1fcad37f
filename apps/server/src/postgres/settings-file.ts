/**
 * The PostgreSQL configuration-file format (postgresql.conf, postgresql.auto.conf, recovery.conf)
 * as guc-file.l reads it: one `name [=] value` per line, `#` comments, values bare or
 * single-quoted with `''` and backslash escapes, no value spanning lines. walboard writes every
 * value quoted, and parses the file again after writing to confirm the server will read exactly
 * what was asked.
 */

export interface ConfigEntry {
  /** As written in the file (PostgreSQL compares names case-insensitively). */
  name: string;
  /** The value the server will see: quotes removed, escapes resolved. */
  value: string;
  /** 1-based line number. */
  line: number;
}

export interface ConfigParse {
  entries: ConfigEntry[];
  /** include / include_dir / include_if_exists lines: kept as they are, never followed. */
  includes: ConfigEntry[];
  errors: { line: number; message: string }[];
}

const INCLUDE_NAMES = new Set(['include', 'include_dir', 'include_if_exists']);
// LETTER in guc-file.l is [A-Za-z_\200-\377]: every byte of a multibyte character counts as a letter.
const ID =
  /^[A-Za-z_\u0080-\uFFFF][A-Za-z0-9_\u0080-\uFFFF]*(\.[A-Za-z_\u0080-\uFFFF][A-Za-z0-9_\u0080-\uFFFF]*)?/;
const STRING = /^'([^'\\\n]|\\.|'')*'/;
const NUMBER = /^[-+]?(0x[0-9A-Fa-f]+|\d*\.\d+|\d+\.\d*|\d+)([Ee][-+]?\d+)?[A-Za-z]*/;
const UNQUOTED = /^[A-Za-z_\u0080-\uFFFF][A-Za-z0-9_\u0080-\uFFFF._:/-]*/;

/** Resolves a quoted value's escapes as DeescapeQuotedString in guc-file.l does. */
export function unquoteConfigString(quoted: string): string {
  const s = quoted.slice(1, -1);
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i] as string;
    if (c === "'" && s[i + 1] === "'") {
      out += "'";
      i++;
    } else if (c === '\\' && i + 1 < s.length) {
      const d = s[++i] as string;
      const simple: Record<string, string> = { b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };
      if (simple[d] !== undefined) out += simple[d];
      else if (/[0-7]/.test(d)) {
        let oct = d;
        while (oct.length < 3 && /[0-7]/.test(s[i + 1] ?? '')) oct += s[++i];
        out += String.fromCharCode(Number.parseInt(oct, 8));
      } else out += d;
    } else out += c;
  }
  return out;
}

interface LineParse {
  name: string;
  value: string;
  /** What follows the value on the line (spaces and a comment), kept when the line is rewritten. */
  rest: string;
}

/** One line: null for blank/comment lines, an error message, or the assignment it holds. */
function parseLine(raw: string): LineParse | null | { error: string } {
  const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
  let s = line.replace(/^[ \t\r\f]+/, '');
  if (s === '' || s.startsWith('#')) return null;
  const id = ID.exec(s);
  if (!id) return { error: `syntax error near "${s.slice(0, 20)}"` };
  const name = id[0];
  s = s.slice(name.length).replace(/^[ \t\r\f]+/, '');
  if (s.startsWith('=')) s = s.slice(1).replace(/^[ \t\r\f]+/, '');
  const quoted = STRING.exec(s);
  const token = quoted ?? NUMBER.exec(s) ?? UNQUOTED.exec(s);
  if (!token) return { error: `syntax error: no value for "${name}"` };
  const value = quoted ? unquoteConfigString(token[0]) : token[0];
  const rest = s.slice(token[0].length);
  if (!/^[ \t\r\f]*(#.*)?$/.test(rest)) return { error: `syntax error after the value of "${name}"` };
  return { name, value, rest: raw.endsWith('\r') ? rest.concat('\r') : rest };
}

/** Parses a whole file; later entries of the same name override earlier ones, as in the server. */
export function parseConfigFile(text: string): ConfigParse {
  const out: ConfigParse = { entries: [], includes: [], errors: [] };
  text.split('\n').forEach((raw, i) => {
    const p = parseLine(raw);
    if (p === null) return;
    if ('error' in p) {
      out.errors.push({ line: i + 1, message: p.error });
      return;
    }
    const entry = { name: p.name, value: p.value, line: i + 1 };
    (INCLUDE_NAMES.has(p.name.toLowerCase()) ? out.includes : out.entries).push(entry);
  });
  return out;
}

/** The value the server would use for `name` (the last assignment wins), or undefined. */
export function effectiveValue(parse: ConfigParse, name: string): string | undefined {
  const lower = name.toLowerCase();
  let v: string | undefined;
  for (const e of parse.entries) if (e.name.toLowerCase() === lower) v = e.value;
  return v;
}

/** Quotes a value for the file: `'…'` with `'` doubled and `\` doubled. NUL and newlines are refused. */
export function quoteConfigValue(value: string): string {
  if (/[\0\n\r]/.test(value)) {
    throw new Error(
      `value ${JSON.stringify(value.slice(0, 40))} contains a NUL or line break, which a PostgreSQL config file cannot hold`,
    );
  }
  return `'${value.replaceAll('\\', '\\\\').replaceAll("'", "''")}'`;
}

/**
 * Sets each `name = 'value'`: every active line that assigns the name is rewritten in place
 * (keeping its trailing comment), names the file does not set yet are appended. Comments,
 * includes and every other line stay byte for byte.
 */
export function setConfigValues(text: string, values: Readonly<Record<string, string>>): string {
  const wanted = new Map(Object.entries(values).map(([k, v]) => [k.toLowerCase(), { name: k, value: v }]));
  const seen = new Set<string>();
  const lines = text === '' ? [] : text.split('\n');
  const trailingNewline = text === '' || text.endsWith('\n');
  if (trailingNewline && lines.length > 0) lines.pop();
  const rewritten = lines.map((raw) => {
    const p = parseLine(raw);
    if (p === null || 'error' in p) return raw;
    const w = wanted.get(p.name.toLowerCase());
    if (!w) return raw;
    seen.add(p.name.toLowerCase());
    return `${w.name} = ${quoteConfigValue(w.value)}${p.rest}`;
  });
  for (const [lower, w] of wanted) {
    if (!seen.has(lower)) rewritten.push(`${w.name} = ${quoteConfigValue(w.value)}`);
  }
  return rewritten.length === 0 ? '' : `${rewritten.join('\n')}\n`;
}

/**
 * Read-back check: the text parses without errors and the server would see exactly `expected`
 * for each name. Returns the problems, empty when all is well.
 */
export function verifyConfigText(text: string, expected: Readonly<Record<string, string>>): string[] {
  const parse = parseConfigFile(text);
  const problems = parse.errors.map((e) => `line ${e.line}: ${e.message}`);
  for (const [name, value] of Object.entries(expected)) {
    const got = effectiveValue(parse, name);
    if (got !== value) {
      problems.push(
        got === undefined
          ? `${name} is not set in the file after writing`
          : `${name} reads back as ${JSON.stringify(got)}, not ${JSON.stringify(value)}`,
      );
    }
  }
  return problems;
}
