import { parseArgs } from 'node:util';
import { loadConfig } from './config/load-config.ts';
import { LOG_FLAG_OPTIONS, parseLogFlags } from './logging/log-options.ts';
import { reportStartFailure } from './logging/start-failure.ts';
import { serve } from './serve.ts';

/** `walboard --config walboard.yaml`: load, validate, listen; Ctrl-C closes every connection. */
async function main(): Promise<void> {
  // `pnpm … start -- --config x` hands the "--" on to the script: without this it would end the options.
  const argv = process.argv.slice(2);
  const { values } = parseArgs({
    args: argv[0] === '--' ? argv.slice(1) : argv,
    options: { config: { type: 'string', short: 'c', default: 'walboard.yaml' }, ...LOG_FLAG_OPTIONS },
  });
  try {
    const log = parseLogFlags(values);
    const { config, file } = await loadConfig(values.config ?? 'walboard.yaml');
    await serve(config, { configFile: file, ...log });
  } catch (err) {
    process.exit(reportStartFailure(err, parseLogFlags(values, { lenient: true })));
  }
}

void main();
