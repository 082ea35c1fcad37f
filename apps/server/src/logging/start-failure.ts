import { ConfigError } from '../config/config-error.ts';
import { createLogger } from './create-logger.ts';
import { EventLog } from './event-log.ts';
import { type LogOptions, resolveLog } from './log-options.ts';

/**
 * Tells why walboard did not start, on stderr, in the log's format: a person gets the file, line
 * and field of each problem as text; a log collector one JSON line per problem. Returns the exit
 * code: 2 for a configuration that is not valid, 1 for anything else.
 */
export function reportStartFailure(
  err: unknown,
  cli: LogOptions,
  out: NodeJS.WritableStream = process.stderr,
): number {
  const { format } = resolveLog(cli, undefined, (out as NodeJS.WriteStream).isTTY === true);
  const code = err instanceof ConfigError ? 2 : 1;
  const message = err instanceof Error ? err.message : String(err);
  if (format === 'human') {
    out.write(`${err instanceof ConfigError ? message : `walboard could not start: ${message}`}\n`);
    return code;
  }
  const logger = createLogger({ level: 'info', format: 'json', out });
  if (err instanceof ConfigError) new EventLog(logger).configInvalid(err);
  else logger.fatal({ event: 'server.start-failed' }, `walboard could not start: ${message}`);
  return code;
}
