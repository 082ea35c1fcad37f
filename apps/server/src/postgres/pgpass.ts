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

/** Whether libpq would use this line for the key: each of the first four fields literal or "*". */
function covers(fields: string[], k: PgpassKey): boolean {
  const want = [k.host, String(k.port), k.database, k.user];
  return fields.length === 5 && want.every((w, i) => fields[i] === '*' || fields[i] === w);
}

function lines(text: string | null): string[] {
  if (!text) return [];
  const l = text.split('\n');
  if (l[l.length - 1] === '') l.pop();
  return l;
}

/**
 * The file with exactly one line for this key, placed before any other line libpq would match
 * first (a wildcard line for the same role): libpq uses the first matching line.
 */
export function setPgpassEntry(text: string | null, e: PgpassEntry): string {
  const line = [e.host, String(e.port), e.database, e.user, e.password].map(escapePgpassField).join(':');
  const all = lines(text);
  const parsed = all.map(parsePgpassLine);
  const first = parsed.findIndex((f) => f !== null && covers(f, e));
  const out: string[] = [];
  all.forEach((l, i) => {
    const f = parsed[i];
    if (i === first) out.push(line);
    // The key's own line is replaced where it stood (first) or dropped (a later duplicate).
    if (f && sameKey(f, e)) return;
    out.push(l);
  });
  if (first < 0) out.push(line);
  return `${out.join('\n')}\n`;
}

/** The password libpq would use for this key: the first line that matches it, "*" included. */
export function pgpassPassword(text: string | null, k: PgpassKey): string | null {
  for (const l of lines(text)) {
    const f = parsePgpassLine(l);
    if (f && covers(f, k)) return f[4] ?? '';
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
