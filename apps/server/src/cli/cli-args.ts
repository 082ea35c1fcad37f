import { isAbsolute, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { ServerLogFormat, ServerLogLevel } from '@walboard/shared/config';
import { LOG_FLAG_OPTIONS, type LogOptions, parseLogFlags } from '../logging/log-options.ts';

// The log flags are read as the lab reads them (parseLogFlags); serve() lets them win over the
// file's `log:` section.

export type CliCommand =
  | { kind: 'help' }
  | { kind: 'version' }
  | { kind: 'run'; configFile: string; logLevel?: ServerLogLevel; logFormat?: ServerLogFormat }
  | { kind: 'usage-error'; message: string };

export const HELP_TEXT = `Usage: walboard [options]

A web console for PostgreSQL physical replication (WAL shipping + streaming).

Options:
  -c, --config <file>      walboard.yaml to read (default: $WALBOARD_CONFIG, else ./walboard.yaml)
      --log-level <level>  fatal, error, warn, info, debug, trace or silent (default: info,
                           or walboard.yaml's log.level)
      --log-format <fmt>   human (one short line per event) or json (journald, Loki);
                           default: human on a terminal, json otherwise
  -v, --version            print the version and exit
  -h, --help               print this help and exit

Environment:
  WALBOARD_CONFIG          the configuration file when --config is not given
  WALBOARD_ADMIN_PASSWORD  the first admin's password (>= 12 characters) at the first start

Exit codes: 0 stopped cleanly, 1 could not start, 2 bad options or configuration.
`;

/**
 * Where a relative --config is read from. A package manager runs a package's script inside that
 * package's folder (`pnpm --filter @walboard/server start` runs in apps/server) but records the
 * folder the person typed the command in as INIT_CWD: a path typed there means a file there.
 */
export function invocationDir(env: NodeJS.ProcessEnv, cwd: string): string {
  return env.npm_lifecycle_event && env.INIT_CWD ? env.INIT_CWD : cwd;
}

/** Reads the command line (argv without node and the script) into what main should do. */
export function parseCli(argv: readonly string[], env: NodeJS.ProcessEnv, cwd: string): CliCommand {
  // `pnpm … start -- --config x` hands the "--" on to the script: without this it would end the options.
  const args = argv[0] === '--' ? argv.slice(1) : [...argv];
  let values: {
    config?: string;
    'log-level'?: string;
    'log-format'?: string;
    version?: boolean;
    help?: boolean;
  };
  try {
    ({ values } = parseArgs({
      args,
      strict: true,
      allowPositionals: false,
      options: {
        config: { type: 'string', short: 'c' },
        ...LOG_FLAG_OPTIONS,
        version: { type: 'boolean', short: 'v' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (err) {
    return { kind: 'usage-error', message: (err as Error).message };
  }
  if (values.help) return { kind: 'help' };
  if (values.version) return { kind: 'version' };
  let log: LogOptions;
  try {
    log = parseLogFlags(values);
  } catch (err) {
    return { kind: 'usage-error', message: (err as Error).message };
  }
  const file = values.config ?? (env.WALBOARD_CONFIG || undefined) ?? 'walboard.yaml';
  return {
    kind: 'run',
    configFile: isAbsolute(file) ? file : resolve(invocationDir(env, cwd), file),
    ...log,
  };
}
