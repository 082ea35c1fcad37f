import { type DestinationStream, type Logger, pino } from 'pino';
import { formatHumanLine, type LogRecord } from './human-line.ts';
import type { ResolvedLog } from './log-options.ts';

/**
 * Fields that could carry a secret if some future line logged a request or a body: masked by pino
 * before the line is written, in both formats. Lines are built to hold none in the first place.
 */
export const REDACTED_PATHS = [
  'password',
  '*.password',
  'token',
  '*.token',
  'req.headers.cookie',
  'req.headers.authorization',
  'headers.cookie',
  'headers.authorization',
  'res.headers["set-cookie"]',
];

export interface CreateLoggerOptions extends ResolvedLog {
  /** Where lines go (tests capture them); default stdout. */
  out?: NodeJS.WritableStream;
  /** Colour the level in human lines; default: when `out` is a terminal and NO_COLOR is unset. */
  color?: boolean;
}

/** Parses each JSON line pino writes and writes its human line instead. */
function humanDestination(out: NodeJS.WritableStream, color: boolean): DestinationStream {
  return {
    write(line: string) {
      let rec: LogRecord;
      try {
        rec = JSON.parse(line) as LogRecord;
      } catch {
        // pino only writes JSON: anything else is passed on rather than lost.
        out.write(line.endsWith('\n') ? line : `${line}\n`);
        return;
      }
      out.write(`${formatHumanLine(rec, { color })}\n`);
    },
  };
}

/** The controller's one logger (Fastify's, too): human lines or JSON lines at the given level. */
export function createLogger(opts: CreateLoggerOptions): Logger {
  const out = opts.out ?? process.stdout;
  const options = {
    level: opts.level,
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
  };
  if (opts.format === 'json') {
    // Synchronous on stdout: the last lines before process.exit (a failed start, Ctrl-C) are kept.
    return pino(options, opts.out ?? pino.destination({ fd: 1, sync: true }));
  }
  const tty = (out as NodeJS.WriteStream).isTTY === true;
  const color = opts.color ?? (tty && process.env.NO_COLOR === undefined);
  return pino(options, humanDestination(out, color));
}
