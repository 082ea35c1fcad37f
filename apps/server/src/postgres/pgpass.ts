/**
 * ~/.pgpass (libpq's password file): `host:port:database:user:password` per line, `:` and `\`
 * escaped with a backslash. walboard writes one line per (primary, replication role) and leaves
 * every other line as it was.
 */

export interface PgpassKey {
  host: string;
  port: number;
  database: string;
  user: string;
}

export interface PgpassEntry extends PgpassKey {
  password: string;
}

export function escapePgpassField(s: string): string {
  if (/[\n\r]/.test(s)) throw new Error('a .pgpass field cannot hold a line break');
  return s.replaceAll('\\', '\\\\').replaceAll(':', '\\:');
}

/** Splits a line into its fields, undoing the escapes; null for comments and blank lines. */
export function parsePgpassLine(line: string): string[] | null {
  if (line.trim() === '' || line.startsWith('#')) return null;
  const fields: string[] = [];
  let cur = '';
  for (let i = 0; i < line.length; i++) {
    const c = line[i] as string;
    if (c === '\\' && i + 1 < line.length) cur += line[++i];
    else if (c === ':' && fields.length < 4) {
      fields.push(cur);
      cur = '';
    } else cur += c;
  }
  fields.push(cur);
  return fields;
}

function sameKey(fields: string[], k: PgpassKey): boolean {
  return (
    fields.length === 5 &&
    fields[0] === k.host &&
    fields[1] === String(k.port) &&
    fields[2] === k.database &&
    fields[3] === k.user
  );
}

function lines(text: string | null): string[] {
  if (!text) return [];
  const l = text.split('\n');
  if (l[l.length - 1] === '') l.pop();
  return l;
}

/** The file with exactly one line for this key (replaced in place, or added at the end). */
export function setPgpassEntry(text: string | null, e: PgpassEntry): string {
  const line = [e.host, String(e.port), e.database, e.user, e.password].map(escapePgpassField).join(':');
  let done = false;
  const out: string[] = [];
  for (const l of lines(text)) {
    const f = parsePgpassLine(l);
    if (f && sameKey(f, e)) {
      if (!done) out.push(line);
      done = true;
    } else out.push(l);
  }
  if (!done) out.push(line);
  return `${out.join('\n')}\n`;
}

/** The password the file holds for this key (the first matching line, as libpq reads it). */
export function pgpassPassword(text: string | null, k: PgpassKey): string | null {
  for (const l of lines(text)) {
    const f = parsePgpassLine(l);
    if (f && sameKey(f, k)) return f[4] ?? '';
  }
  return null;
}

/** The same text with every password replaced by ********: what a page or a diff may show. */
export function maskPgpass(text: string | null): string | null {
  if (text === null) return null;
  return `${lines(text)
    .map((l) => {
      const f = parsePgpassLine(l);
      if (!f || f.length < 5) return l;
      return [...f.slice(0, 4).map(escapePgpassField), '********'].join(':');
    })
    .join('\n')}${text === '' ? '' : '\n'}`;
}
