// The one place where an argv array becomes a POSIX sh command line. Local commands go through
// `/bin/sh -c` and SSH commands through the login shell's `-c`, so both see exactly this string.

// A lone UTF-16 surrogate cannot be encoded as UTF-8: Node would silently send U+FFFD instead,
// so the command would receive a different argument than the caller passed.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

// Words sh reads literally wherever they stand: left bare so that command lines people read
// (archive_command, restore_command) stay readable. No "=" (a first word would be an assignment),
// no "~", globs, quotes, spaces or other syntax.
const BARE = /^[A-Za-z0-9_/.,:@%+-]+$/;
const RESERVED = new Set([
  'if',
  'then',
  'else',
  'elif',
  'fi',
  'case',
  'esac',
  'for',
  'while',
  'until',
  'do',
  'done',
  'in',
  'function',
  'select',
  'time',
]);

/** Quotes one argument for POSIX sh: bare when it holds only plain characters, else single quotes around it, each `'` written as `'\''`. */
export function quoteArg(arg: string): string {
  if (arg.includes('\0')) {
    throw new Error(
      `shellQuote: argument ${JSON.stringify(arg.slice(0, 40))} contains a NUL byte, which no shell command ` +
        'line can carry; pass such data through stdin (ExecOptions.input) or a file instead',
    );
  }
  if (LONE_SURROGATE.test(arg)) {
    throw new Error(
      `shellQuote: argument ${JSON.stringify(arg.slice(0, 40))} contains a lone UTF-16 surrogate, which ` +
        'cannot be encoded as UTF-8; fix the string before running it',
    );
  }
  if (BARE.test(arg) && !RESERVED.has(arg)) return arg;
  // Inside single quotes sh treats every byte literally except `'` itself, which cannot be
  // escaped there: close the quote, add an escaped quote, reopen.
  return `'${arg.replaceAll("'", "'\\''")}'`;
}

/** Turns an argv array into one sh command line that runs exactly that argv, with no expansion. */
export function shellQuote(argv: readonly string[]): string {
  if (argv.length === 0) {
    throw new Error('shellQuote: empty argv — there is no command to run');
  }
  return argv.map(quoteArg).join(' ');
}

/**
 * A fixed shell program with argv slots: `template` is a constant written in walboard's code
 * (operators, redirections, variables of its own) and each `{{name}}` becomes shellQuote(argv).
 * Every value from outside goes through the slots, so quoting still happens in one place.
 */
export function shellTemplate(template: string, slots: Readonly<Record<string, readonly string[]>>): string {
  return template.replace(/\{\{([a-z][a-zA-Z0-9]*)\}\}/g, (_, name: string) => {
    const argv = slots[name];
    if (!argv) throw new Error(`shellTemplate: no argv for slot {{${name}}}`);
    return shellQuote(argv);
  });
}
