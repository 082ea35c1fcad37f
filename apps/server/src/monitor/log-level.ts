import type { LogLevel } from '@walboard/shared/status';

// PostgreSQL writes "<log_line_prefix><SEVERITY>:  <message>": the severity is followed by a colon
// and TWO spaces, whatever the prefix is. The first such word on the line is the severity; the
// message text comes after it, so a message quoting "ERROR:  " cannot win over the real one.
const severity =
  /(?:^|[^A-Za-z0-9_])(DEBUG[1-5]?|LOG|INFO|NOTICE|WARNING|ERROR|FATAL|PANIC|DETAIL|HINT|QUERY|CONTEXT|STATEMENT|LOCATION): {2}/;

// These lines belong to the message just above them (an ERROR's STATEMENT, a FATAL's DETAIL).
const attached = new Set(['DETAIL', 'HINT', 'QUERY', 'CONTEXT', 'STATEMENT', 'LOCATION']);

/**
 * Level of one log line given the level of the message before it. DETAIL/HINT/QUERY/CONTEXT/
 * STATEMENT/LOCATION lines and tab-indented continuation lines (a multi-line statement) INHERIT
 * the level of the message they belong to, so an ERROR and its STATEMENT are highlighted as one
 * block. A line with no severity at all (rsync or archive_command output, a foreign program) is
 * OTHER.
 */
export function levelOf(text: string, previous: LogLevel | null): LogLevel {
  const m = severity.exec(text);
  if (!m) return text.startsWith('\t') && previous ? previous : 'OTHER';
  const word = m[1] ?? '';
  if (attached.has(word)) return previous ?? 'OTHER';
  if (word.startsWith('DEBUG')) return 'DEBUG';
  return word as LogLevel;
}

/** Keeps the level of the last message so attached lines can inherit it. */
export class LevelTracker {
  private last: LogLevel | null = null;

  next(text: string): LogLevel {
    const level = levelOf(text, this.last);
    this.last = level;
    return level;
  }
}
