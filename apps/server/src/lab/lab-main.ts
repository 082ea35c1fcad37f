import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { LOG_FLAG_OPTIONS, parseLogFlags } from '../logging/log-options.ts';
import { serve } from '../serve.ts';
import { createOrReuseLab } from './create-lab.ts';
import { resetLab } from './reset-lab.ts';

// The lab sits at the repository root whatever folder the command runs from (pnpm dev, npm start).
const DEFAULT_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../../../.walboard-lab');

/** The README's first command lands here: make (or reuse) the two-server lab, then serve the page. */
async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      dir: { type: 'string', default: DEFAULT_DIR },
      listen: { type: 'string', default: '127.0.0.1:8080' },
      // "54321,54322": tests run a lab beside the one a student may have running.
      ports: { type: 'string' },
      ...LOG_FLAG_OPTIONS,
    },
  });
  const log = parseLogFlags(values);
  const say = (l: string) => console.log(`[lab] ${l}`);
  const lab = await createOrReuseLab({
    dir: values.dir ?? DEFAULT_DIR,
    listen: values.listen,
    log: say,
    ...(values.ports ? { ports: parsePorts(values.ports) } : {}),
  });
  say(`config written to ${lab.configFile}; PostgreSQL password in ${lab.dir}/lab.env`);
  say('Ctrl-C stops walboard and the servers it started; the sign-in link follows once it listens');
  await serve(lab.config, {
    ...log,
    env: lab.env,
    onClose: () => lab.stop(),
    labReset: () => resetLab(lab, { log: say }),
  });
}

function parsePorts(text: string): [number, number] {
  const ports = text.split(',').map(Number);
  const [a, b] = ports;
  if (
    ports.length !== 2 ||
    !a ||
    !b ||
    !ports.every((p) => Number.isInteger(p) && p > 0 && p < 65536) ||
    a === b
  )
    throw new Error(
      `--ports must be two different TCP ports separated by a comma, e.g. 54321,54322 (got "${text}")`,
    );
  return [a, b];
}

main().catch((err: unknown) => {
  console.error(`walboard lab could not start: ${(err as Error).message}`);
  process.exit(1);
});
