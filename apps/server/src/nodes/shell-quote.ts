// The one place where an argv array becomes a POSIX sh command line. Local commands go through
// `/bin/sh -c` and SSH commands through the login shell's `-c`, so both see exactly this string.

// A lone UTF-16 surrogate cannot be encoded as UTF-8: Node would silently send U+FFFD instead,
// so the command would receive a different argument than the caller passed.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Quotes one argument for POSIX sh: single quotes around it, each `'` written as `'\''`. */
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
