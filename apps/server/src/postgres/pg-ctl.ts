import { quoteArg } from '../nodes/shell-quote.ts';

/** Where a server's files are; configFile set means a Debian-style config folder outside the data dir. */
export interface PgCtlTarget {
  binDir: string;
  dataDir: string;
  logFile?: string | undefined;
  configFile?: string | undefined;
}

/**
 * argv of `pg_ctl <action>` for a node. `-l` is always given on start: without it the postmaster
 * keeps the caller's stdout open and a remote command never returns.
 */
export function pgCtlArgv(
  t: PgCtlTarget,
  action: 'start' | 'stop' | 'restart' | 'status',
  extra: string[] = [],
  waitSeconds = 60,
): string[] {
  const argv = [`${t.binDir}/pg_ctl`, action, '-D', t.dataDir];
  if (action === 'start' || action === 'restart') {
    if (t.logFile) argv.push('-l', t.logFile);
    // pg_ctl hands -o to /bin/sh, so the path inside it is quoted by the same one quoting function.
    if (t.configFile) argv.push('-o', `-c config_file=${quoteArg(t.configFile)}`);
  }
  if (action !== 'status') argv.push('-w', '-t', String(waitSeconds));
  return [...argv, ...extra];
}
