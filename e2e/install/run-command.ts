import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '../..');

/** The pnpm the project pins (package.json packageManager), as scripts/bootstrap.mjs finds it. */
export function pinnedPnpm(): string[] {
  const probe = spawnSync('pnpm', ['--version'], { encoding: 'utf8' });
  return probe.status === 0 && probe.stdout.trim() === '10.34.9' ? ['pnpm'] : ['npx', '-y', 'pnpm@10.34.9'];
}

/**
 * Environment in which a README command line runs as a reader would type it: `pnpm` is the
 * project's pinned pnpm (a shell function), and nothing of the test runner's own context (npm_*,
 * INIT_CWD, NODE_ENV=test, VITEST*) leaks into it.
 */
export function readerEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    // vitest sets NODE_ENV=test: a `pnpm build` run with it builds React's development page.
    const runnerOwn = ['INIT_CWD', 'NODE_OPTIONS', 'NODE_ENV', 'TEST', 'MODE'].includes(k);
    if (!k.startsWith('npm_') && !k.startsWith('VITEST') && !k.startsWith('VITE_') && !runnerOwn) env[k] = v;
  }
  return { ...env, ...extra };
}

/** `sh -c` prefix that makes `pnpm` in the command the pinned one. */
function shellWithPnpm(command: string): string {
  const pnpm = pinnedPnpm();
  return pnpm.length === 1 ? command : `pnpm() { ${pnpm.join(' ')} "$@"; }\n${command}`;
}

export interface CommandResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs one README command line to its end in `cwd` with `sh -c`, exactly as written. */
export function runToEnd(
  command: string,
  cwd: string,
  env = readerEnv(),
  timeoutMs = 300_000,
): CommandResult {
  const r = spawnSync('sh', ['-c', shellWithPnpm(command)], {
    cwd,
    env,
    encoding: 'utf8',
    timeout: timeoutMs,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

export interface LongRunning {
  child: ChildProcess;
  output: () => string;
  /**
   * SIGINT to the whole process group (the shell, pnpm, node), as Ctrl-C does; resolves once every
   * process of the group is gone. `forced`: it had to be SIGKILLed after `ms`.
   */
  stop: (ms?: number) => Promise<{ forced: boolean }>;
}

function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Starts a long-running README command (a server) in its own process group. */
export function startCommand(command: string, cwd: string, env = readerEnv()): LongRunning {
  const child = spawn('sh', ['-c', shellWithPnpm(command)], { cwd, env, detached: true });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => {
    out += d.toString();
  });
  child.stderr?.on('data', (d: Buffer) => {
    out += d.toString();
  });
  const pgid = child.pid ?? 0;
  return {
    child,
    output: () => out,
    stop: async (ms = 15_000) => {
      if (pgid && groupAlive(pgid)) process.kill(-pgid, 'SIGINT');
      const until = performance.now() + ms;
      while (pgid && groupAlive(pgid) && performance.now() < until)
        await new Promise((r) => setTimeout(r, 20));
      const forced = pgid > 0 && groupAlive(pgid);
      if (forced) process.kill(-pgid, 'SIGKILL');
      return { forced };
    },
  };
}

/** Polls GET url until it answers 200; returns the ms from `since` (performance.now()) to that answer. */
export async function waitFor200(
  url: string,
  since: number,
  timeoutMs: number,
  alive: () => boolean,
): Promise<number> {
  while (performance.now() - since < timeoutMs) {
    if (!alive()) throw new Error(`the process ended before ${url} answered`);
    try {
      const r = await fetch(url, { signal: AbortSignal.timeout(1000) });
      if (r.status === 200) return performance.now() - since;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`${url} did not answer 200 within ${timeoutMs} ms`);
}
