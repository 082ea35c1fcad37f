import { rmSync } from 'node:fs';
import { readerEnv, repoRoot, runToEnd } from './run-command.ts';

/** The README's build commands ("Install on a server"), as written, run at the top of the checkout. */
export const BUILD_COMMANDS = ['pnpm install --frozen-lockfile', 'pnpm build'] as const;
/** The README's deploy command; its target folder is the one thing a test changes. */
export const DEPLOY_COMMAND = 'pnpm --filter @walboard/server deploy --legacy --prod /opt/walboard';

/** Runs a README command as written at the top of the checkout; throws with its output on failure. */
export function mustRun(command: string): void {
  const r = runToEnd(command, repoRoot, readerEnv());
  if (r.code !== 0) throw new Error(`\`${command}\` failed (exit ${r.code}):\n${r.stdout}\n${r.stderr}`);
}

/** Builds the checkout and deploys the server with its production dependencies only into `target`. */
export function deployBuiltServer(target: string): void {
  for (const c of BUILD_COMMANDS) mustRun(c);
  rmSync(target, { recursive: true, force: true });
  mustRun(DEPLOY_COMMAND.replace('/opt/walboard', target));
}
