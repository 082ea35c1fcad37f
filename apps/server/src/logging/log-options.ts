import {
  type ServerLogConfig,
  type ServerLogFormat,
  type ServerLogLevel,
  serverLogFormatSchema,
  serverLogLevelSchema,
} from '@walboard/shared/config';

export type LogLevel = ServerLogLevel;
export type LogFormat = ServerLogFormat;

/**
 * What the command line says about the log (`--log-level`, `--log-format`). main.ts and the lab
 * hand these to serve(); each wins over walboard.yaml's `log:` section.
 */
export interface LogOptions {
  logLevel?: LogLevel;
  logFormat?: LogFormat;
}

/** The log as it will be written. */
export interface ResolvedLog {
  level: LogLevel;
  format: LogFormat;
}

/**
 * Command line first, then walboard.yaml, then the defaults: `info`, human lines on a terminal
 * and JSON lines elsewhere (a pipe, journald, a container's log driver).
 */
export function resolveLog(
  cli: LogOptions,
  config: ServerLogConfig | undefined,
  isTTY: boolean,
): ResolvedLog {
  const fromConfig = config?.format === 'auto' ? undefined : config?.format;
  return {
    level: cli.logLevel ?? config?.level ?? 'info',
    format: cli.logFormat ?? fromConfig ?? (isTTY ? 'human' : 'json'),
  };
}

/**
 * Reads `--log-level` / `--log-format` values through the same schemas as walboard.yaml, so a
 * typo is refused with the list of what is allowed. `lenient`: a wrong value is left out instead
 * (to report that very error in the format the other flag asked for).
 */
export function parseLogFlags(
  values: { 'log-level'?: string; 'log-format'?: string },
  opts: { lenient?: boolean } = {},
): LogOptions {
  const out: LogOptions = {};
  const refuse = (message: string) => {
    if (!opts.lenient) throw new Error(message);
  };
  if (values['log-level'] !== undefined) {
    const r = serverLogLevelSchema.safeParse(values['log-level']);
    if (r.success) out.logLevel = r.data;
    else refuse(`--log-level ${r.error.issues[0]?.message} (got "${values['log-level']}")`);
  }
  if (values['log-format'] !== undefined) {
    const r = serverLogFormatSchema.safeParse(values['log-format']);
    if (r.success) out.logFormat = r.data;
    else refuse(`--log-format ${r.error.issues[0]?.message} (got "${values['log-format']}")`);
  }
  return out;
}

/** The parseArgs entries of the two flags, for main.ts and the lab. */
export const LOG_FLAG_OPTIONS = {
  'log-level': { type: 'string' },
  'log-format': { type: 'string' },
} as const;
