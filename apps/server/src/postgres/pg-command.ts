import { shellTemplate } from '../nodes/shell-quote.ts';

/**
 * Commands PostgreSQL runs itself (archive_command, restore_command, archive_cleanup_command):
 * a shell line in which PostgreSQL first replaces %p, %f and %r, and reads %% as a literal %.
 * Arguments are written with these tokens in them and quoted by the one shell quoting; every
 * other % is doubled so that a path can never turn into a placeholder.
 */

/** The placeholders PostgreSQL fills in: the WAL file's path, its name, the restart point's file. */
export const WAL_PATH = '\u{E000}p';
export const WAL_NAME = '\u{E000}f';
export const RESTART_FILE = '\u{E000}r';

const TOKENS: Record<string, string> = { [WAL_PATH]: '%p', [WAL_NAME]: '%f', [RESTART_FILE]: '%r' };

/** A PostgreSQL command line from a fixed shell template and argv slots (see shellTemplate). */
export function pgCommand(template: string, slots: Readonly<Record<string, readonly string[]>>): string {
  if (template.includes('%')) throw new Error('pgCommand: a template must not hold %');
  const escaped: Record<string, string[]> = {};
  for (const [name, argv] of Object.entries(slots)) {
    escaped[name] = argv.map((a) => {
      if (/[\n\r]/.test(a)) throw new Error('pgCommand: an argument contains a line break');
      // A literal % becomes %%; then the tokens become PostgreSQL's placeholders.
      return a.replaceAll('%', '%%').replace(/\u{E000}[pfr]/gu, (t) => TOKENS[t] ?? t);
    });
  }
  return shellTemplate(template, escaped);
}

/** One argv as a PostgreSQL command line. */
export function pgCommandArgv(argv: readonly string[]): string {
  return pgCommand('{{cmd}}', { cmd: argv });
}

/** What the line runs once PostgreSQL substitutes the placeholders (for tests and the page). */
export function substitutePgCommand(line: string, values: { p?: string; f?: string; r?: string }): string {
  return line.replace(/%([pfr%])/g, (m, c: string) => {
    if (c === '%') return '%';
    const v = values[c as 'p' | 'f' | 'r'];
    return v ?? m;
  });
}
