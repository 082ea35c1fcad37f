import type { WalboardConfig } from '@walboard/shared/config';
import type { LabResetResult } from '@walboard/shared/guide';
import { buildApp } from './app.ts';
import type { CliLogFormat, CliLogLevel } from './cli/cli-args.ts';

/** Starts the controller on config.listen and closes it cleanly on SIGINT/SIGTERM. */
export async function serve(
  config: WalboardConfig,
  opts: {
    env?: NodeJS.ProcessEnv;
    onClose?: () => Promise<void>;
    configFile?: string;
    /** The embedded lab's reset: given only by lab-main. */
    labReset?: () => Promise<LabResetResult>;
    /** `--log-level` / `--log-format` from the command line (main.ts); for the logger to honour. */
    logLevel?: CliLogLevel;
    logFormat?: CliLogFormat;
  } = {},
): Promise<void> {
  const app = await buildApp({
    config,
    logger: true,
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
    app.log.info(`${signal}: closing connections`);
    await app.close();
    await opts.onClose?.();
    process.exit(0);
  };
  // `on`, not `once`: Ctrl-C reaches us from the terminal and again through npm and tsx; a repeat
  // must not kill the process halfway through stopping the servers it started.
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  await app.listen({ host, port });
  const base = `${config.tls ? 'https' : 'http'}://${config.listen}`;
  // The lab's link carries its one-time token: whoever reads this terminal signs in, nobody else.
  if (app.labLink) {
    console.log(`[lab] open ${app.labLink.url(base)}`);
    console.log('[lab] (the link signs one browser in, once; restart the lab for a new one)');
  } else {
    console.log(`walboard listening on ${base}`);
  }
}
