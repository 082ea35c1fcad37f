import { parseArgs } from 'node:util';
import { ConfigError } from './config/config-error.ts';
import { loadConfig } from './config/load-config.ts';
import { serve } from './serve.ts';

/** `walboard --config walboard.yaml`: load, validate, listen; Ctrl-C closes every connection. */
async function main(): Promise<void> {
  // `pnpm … start -- --config x` hands the "--" on to the script: without this it would end the options.
  const argv = process.argv.slice(2);
  const { values } = parseArgs({
    args: argv[0] === '--' ? argv.slice(1) : argv,
    options: { config: { type: 'string', short: 'c', default: 'walboard.yaml' } },
  });
  try {
    const { config, file } = await loadConfig(values.config ?? 'walboard.yaml');
    await serve(config, { configFile: file });
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(2);
    }
    console.error(`walboard could not start: ${(err as Error).message}`);
    process.exit(1);
  }
}

void main();
