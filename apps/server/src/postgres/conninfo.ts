/**
 * libpq connection strings (`primary_conninfo`). Every value is written single-quoted with `\`
 * and `'` backslash-escaped (libpq's conninfo_parse rules), so no value can start a new keyword,
 * whatever it holds. The result is then escaped once more for the config file it is written to.
 */

/** Keywords walboard writes; libpq rejects unknown ones, so a typo here would break the standby. */
export type ConninfoKey =
  | 'host'
  | 'port'
  | 'user'
  | 'application_name'
  | 'dbname'
  | 'sslmode'
  | 'passfile'
  | 'replication'
  | 'connect_timeout';

/** Quotes one conninfo value: `'…'` with `\` → `\\` and `'` → `\'`. */
export function quoteConninfoValue(value: string): string {
  if (/[\0\n\r]/.test(value)) {
    throw new Error(
      `conninfo value ${JSON.stringify(value.slice(0, 40))} contains a NUL or newline, which a config file cannot hold`,
    );
  }
  return `'${value.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`;
}

/** Builds `key='value' …` in the given order; undefined values are left out. */
export function buildConninfo(fields: ReadonlyArray<[ConninfoKey, string | number | undefined]>): string {
  return fields
    .filter((f): f is [ConninfoKey, string | number] => f[1] !== undefined)
    .map(([k, v]) => `${k}=${quoteConninfoValue(String(v))}`)
    .join(' ');
}

/**
 * Parses a conninfo string the way libpq does (keyword = value pairs, values bare or
 * single-quoted with backslash escapes). Used to read back what was written.
 */
export function parseConninfo(text: string): Map<string, string> {
  const out = new Map<string, string>();
  let i = 0;
  const n = text.length;
  const isSpace = (c: string | undefined) =>
    c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\f' || c === '\v';
  while (i < n) {
    while (i < n && isSpace(text[i])) i++;
    if (i >= n) break;
    let key = '';
    while (i < n && text[i] !== '=' && !isSpace(text[i])) key += text[i++];
    while (i < n && isSpace(text[i])) i++;
    if (text[i] !== '=') throw new Error(`conninfo: missing "=" after "${key}"`);
    i++;
    while (i < n && isSpace(text[i])) i++;
    let value = '';
    if (text[i] === "'") {
      i++;
      let closed = false;
      while (i < n) {
        const c = text[i];
        if (c === '\\') {
          i++;
          if (i < n) value += text[i++];
          continue;
        }
        if (c === "'") {
          i++;
          closed = true;
          break;
        }
        value += c;
        i++;
      }
      if (!closed) throw new Error(`conninfo: unterminated quoted value for "${key}"`);
    } else {
      while (i < n && !isSpace(text[i])) {
        if (text[i] === '\\' && i + 1 < n) i++;
        value += text[i++];
      }
    }
    out.set(key, value);
  }
  return out;
}
