#!/usr/bin/env node
import { HELP_TEXT, parseCli } from './cli/cli-args.ts';
import { packageVersion } from './cli/version.ts';

/**
 * `walboard --config walboard.yaml`: load, validate, listen; Ctrl-C closes every connection.
 * The server itself is imported only when it will run, so --help and --version answer at once.
 */
async function main(): Promise<void> {
  const cmd = parseCli(process.argv.slice(2), process.env, process.cwd());
  if (cmd.kind === 'help') {
    process.stdout.write(HELP_TEXT);
    return;
  }
  if (cmd.kind === 'version') {
    process.stdout.write(`walboard ${packageVersion()}\n`);
    return;
  }
  if (cmd.kind === 'usage-error') {
    console.error(`walboard: ${cmd.message}\nRun walboard --help for the options.`);
    process.exit(2);
  }
  const logFlags = {
    ...(cmd.logLevel ? { logLevel: cmd.logLevel } : {}),
    ...(cmd.logFormat ? { logFormat: cmd.logFormat } : {}),
  };
  try {
    const { loadConfig } = await import('./config/load-config.ts');
    const { serve } = await import('./serve.ts');
    const { config, file } = await loadConfig(cmd.configFile);
    await serve(config, { configFile: file, ...logFlags });
  } catch (err) {
    const { reportStartFailure } = await import('./logging/start-failure.ts');
    process.exit(reportStartFailure(err, logFlags));
  }
}

void main();
