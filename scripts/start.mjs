// `npm start`: the embedded default. Installs and builds what is missing, creates (or reuses) a lab
// of two local PostgreSQL servers, and serves the page at http://127.0.0.1:8080.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { bootstrap, root, say } from './bootstrap.mjs';

bootstrap();
say('starting the lab and the controller');
// One process (tsx as a loader, not its CLI wrapper), so a signal reaches the controller once.
const child = spawn(
  process.execPath,
  ['--import', 'tsx', join(root, 'apps/server/src/lab/lab-main.ts'), ...process.argv.slice(2)],
  {
    stdio: 'inherit',
    cwd: root,
  },
);
// Ctrl-C reaches the whole process group; the controller stops its servers, then we follow it out.
// A signal sent to this process alone is passed on.
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
