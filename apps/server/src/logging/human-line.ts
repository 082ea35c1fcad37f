/** A pino record as it arrives on the destination stream (one JSON line, parsed). */
export interface LogRecord {
  level: number;
  time?: number;
  msg?: string;
  cluster?: string;
  node?: string;
  err?: { message?: string };
  [key: string]: unknown;
}

const LEVEL_NAMES: Record<number, string> = {
  10: 'TRACE',
  20: 'DEBUG',
  30: 'INFO',
  40: 'WARN',
  50: 'ERROR',
  60: 'FATAL',
};

const COLORS: Record<number, string> = {
  10: '\x1b[90m',
  20: '\x1b[90m',
  30: '\x1b[32m',
  40: '\x1b[33m',
  50: '\x1b[31m',
  60: '\x1b[31m',
};

/** Long operation messages are cut: the line stays one terminal line, the JSON log has it all. */
const MAX_TEXT = 400;

/**
 * One line on the terminal whatever the text holds: a node name, user name or server message is
 * data, and a newline or escape sequence in it must not forge a second line or repaint the screen.
 */
export function oneLine(text: string): string {
  const flat = text
    .replace(/\r?\n|\r/g, ' ⏎ ')
    // biome-ignore lint/suspicious/noControlCharactersInRegex: removing them is the point
    .replace(/[\u0000-\u001f\u007f-\u009f]/g, '');
  return flat.length > MAX_TEXT ? `${flat.slice(0, MAX_TEXT - 1)}…` : flat;
}

function clock(time: number | undefined): string {
  const d = new Date(time ?? Date.now());
  const p = (n: number) => String(n).padStart(2, '0');
  return `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

/**
 * "14:02:11 WARN  lab/node2  node down: PostgreSQL does not answer". Time, level, the node or
 * cluster it is about, what happened; only the message and an error's message are shown, never
 * the record's other fields (a request's headers, an operation's parameters).
 */
export function formatHumanLine(rec: LogRecord, opts: { color?: boolean } = {}): string {
  const name = (LEVEL_NAMES[rec.level] ?? `L${rec.level}`).padEnd(5);
  const level = opts.color ? `${COLORS[rec.level] ?? ''}${name}\x1b[0m` : name;
  const where =
    typeof rec.cluster === 'string' && typeof rec.node === 'string'
      ? `${rec.cluster}/${rec.node}`
      : typeof rec.node === 'string'
        ? rec.node
        : typeof rec.cluster === 'string'
          ? rec.cluster
          : '';
  let what = typeof rec.msg === 'string' ? rec.msg : '';
  const errMessage = typeof rec.err?.message === 'string' ? rec.err.message : '';
  if (errMessage && !what.includes(errMessage)) what = what ? `${what}: ${errMessage}` : errMessage;
  return `${clock(rec.time)} ${level} ${where ? `${oneLine(where)}  ` : ''}${oneLine(what)}`;
}
