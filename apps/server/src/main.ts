import { parseArgs } from 'node:util';
import { ConfigError } from './config/config-error.ts';
import { loadConfig } from './config/load-config.ts';
import { serve } from './serve.ts';

/** `walboard --config walboard.yaml`: load, validate, listen; Ctrl-C closes every connection. */
async function main(): Promise<void> {
  const { values } = parseArgs({
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
