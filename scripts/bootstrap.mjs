// Shared by `npm start` and `npm test`: on a fresh machine with only Node.js, get pnpm, the
// dependencies and the built page. Plain Node on purpose — nothing is installed yet when it runs.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const PNPM_VERSION = '10.34.9';

export function say(line) {
  console.log(`[walboard] ${line}`);
}

export function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { stdio: 'inherit', cwd: root, ...opts });
  if (r.error) throw new Error(`${cmd} could not run: ${r.error.message}`);
  return r.status ?? 1;
}

function must(cmd, args, what) {
  const code = run(cmd, args);
  if (code !== 0) {
    console.error(`[walboard] ${what} failed (exit ${code}); see the output above`);
    process.exit(code);
  }
}

/** pnpm as installed, else through npx at the pinned version (corepack cannot verify it here). */
export function pnpm() {
  const probe = spawnSync('pnpm', ['--version'], { encoding: 'utf8' });
  if (probe.status === 0 && probe.stdout.trim() === PNPM_VERSION) return ['pnpm', []];
  return ['npx', ['-y', `pnpm@${PNPM_VERSION}`]];
}

function checkNode() {
  const [maj, min] = process.versions.node.split('.').map(Number);
  if (maj < 20 || (maj === 20 && min < 19)) {
    console.error(`[walboard] Node.js ${process.versions.node} is too old: walboard needs 20.19 or newer`);
    process.exit(1);
  }
}

function newestMtime(dir) {
  let newest = 0;
  if (!existsSync(dir)) return newest;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    newest = Math.max(newest, e.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}

/** Installs dependencies (a no-op when up to date) and builds the page when its sources changed. */
export function bootstrap() {
  checkNode();
  const [cmd, pre] = pnpm();
  say('installing dependencies (pnpm install)');
  must(cmd, [...pre, 'install', '--frozen-lockfile'], 'pnpm install');
  const built = join(root, 'apps/web/dist/index.html');
  const sources = Math.max(
    newestMtime(join(root, 'apps/web/src')),
    newestMtime(join(root, 'packages/shared/src')),
    statSync(join(root, 'apps/web/index.html')).mtimeMs,
  );
  if (!existsSync(built) || statSync(built).mtimeMs < sources) {
    say('building the page (vite build)');
    must(cmd, [...pre, '--filter', '@walboard/web', 'build'], 'building the page');
  }
  return [cmd, pre];
}
