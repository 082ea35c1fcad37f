import type { WalboardConfig } from '@walboard/shared/config';
import type { LabResetResult } from '@walboard/shared/guide';
import { buildApp } from './app.ts';
import { createLogger } from './logging/create-logger.ts';
import { type LogOptions, resolveLog } from './logging/log-options.ts';

export interface ServeOptions extends LogOptions {
  env?: NodeJS.ProcessEnv;
  onClose?: () => Promise<void>;
  configFile?: string;
  /** The embedded lab's reset: given only by lab-main. */
  labReset?: () => Promise<LabResetResult>;
  /** Where log lines go (tests); default stdout, whose being a terminal picks the format. */
  logOut?: NodeJS.WritableStream;
}

/** Starts the controller on config.listen and closes it cleanly on SIGINT/SIGTERM. */
export async function serve(config: WalboardConfig, opts: ServeOptions = {}): Promise<void> {
  const out = opts.logOut ?? process.stdout;
  const log = resolveLog(opts, config.log, (out as NodeJS.WriteStream).isTTY === true);
  const logger = createLogger({ ...log, out });
  const app = await buildApp({
    config,
    loggerInstance: logger,
    env: opts.env,
    configFile: opts.configFile,
    ...(opts.labReset ? { labReset: opts.labReset } : {}),
  });
  const sep = config.listen.lastIndexOf(':');
  const host = config.listen.slice(0, sep).replace(/^\[|\]$/g, '');
  const port = Number(config.listen.slice(sep + 1));
  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    app.log.info({ event: 'server.stopping' }, `${signal}: closing connections`);
    await app.close();
    await opts.onClose?.();
    process.exit(0);
  };
  // `on`, not `once`: Ctrl-C reaches us from the terminal and again through npm and tsx; a repeat
  // must not kill the process halfway through stopping the servers it started.
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  // Fastify tells each address it listens on (one line, or two for "localhost").
  await app.listen({
    host,
    port,
    listenTextResolver: (address) => `walboard listening on ${address} (log level ${log.level})`,
  });
  const base = `${config.tls ? 'https' : 'http'}://${config.listen}`;
  // The lab's link carries its one-time token: whoever reads this terminal signs in, nobody else.
  // Printed as it is, never through the logger: a log collector must not get the token.
  if (app.labLink) {
    console.log(`[lab] open ${app.labLink.url(base)}`);
    console.log('[lab] (the link signs one browser in, once; restart the lab for a new one)');
  }
}
