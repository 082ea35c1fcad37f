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
 * Reads `--log-level` / `--log-format` values through the same schemas as walboard.yaml (one list
 * of levels), so a typo is refused with the list of what is allowed. Used by the `walboard`
 * command (cli-args.ts) and the lab (`npm start`).
 */
export function parseLogFlags(values: { 'log-level'?: string; 'log-format'?: string }): LogOptions {
  const out: LogOptions = {};
  const level = values['log-level'];
  if (level !== undefined) {
    const r = serverLogLevelSchema.safeParse(level);
    if (!r.success)
      throw new Error(
        `--log-level ${JSON.stringify(level)} is not a level: use one of ${serverLogLevelSchema.options.join(', ')}`,
      );
    out.logLevel = r.data;
  }
  const format = values['log-format'];
  if (format !== undefined) {
    const r = serverLogFormatSchema.safeParse(format);
    if (!r.success)
      throw new Error(
        `--log-format ${JSON.stringify(format)} is not a format: use ${serverLogFormatSchema.options.join(' or ')}`,
      );
    out.logFormat = r.data;
  }
  return out;
}

/** The parseArgs entries of the two flags, for the walboard command and the lab. */
export const LOG_FLAG_OPTIONS = {
  'log-level': { type: 'string' },
  'log-format': { type: 'string' },
} as const;
