// `pnpm dev` as the README shows it: the embedded lab's controller (tsx watch) on its default
// 127.0.0.1:8080 and the page's Vite dev server forwarding /api to it. It uses the checkout's
// .walboard-lab like `npm start`; a lab the test made is removed afterwards, one that was there
// before is only reused (as a second `pnpm dev` does).
import { existsSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type LongRunning, repoRoot, startCommand, waitFor200 } from './run-command.ts';

const PNPM_DEV = 'pnpm dev';

function portFree(port: number): Promise<boolean> {
  return new Promise((res) => {
    const s = createServer();
    s.once('error', () => res(false));
    s.listen(port, '127.0.0.1', () => s.close(() => res(true)));
  });
}

describe('README: pnpm dev', () => {
  const lab = join(repoRoot, '.walboard-lab');
  const labWasThere = existsSync(lab);
  let run: LongRunning | undefined;

  afterAll(async () => {
    await run?.stop(30_000);
    if (!labWasThere) rmSync(lab, { recursive: true, force: true });
  });

  it(`${PNPM_DEV}: the lab's controller on 8080 and the page's dev server forwarding to it`, async () => {
    for (const port of [8080, 5173]) {
      expect(await portFree(port), `port ${port} is taken: \`pnpm dev\` needs it; stop what holds it`).toBe(
        true,
      );
    }
    const started = performance.now();
    run = startCommand(PNPM_DEV, repoRoot);
    const current = run;
    const alive = () => current.child.exitCode === null;
    const fail = (err: Error) => {
      throw new Error(`${err.message}; output:\n${current.output()}`);
    };
    await waitFor200('http://127.0.0.1:8080/api/health', started, 150_000, alive).catch(fail);
    await waitFor200('http://localhost:5173/', started, 60_000, alive).catch(fail);
    // Through the dev server's proxy, as the page in development calls the API.
    const health = await fetch('http://localhost:5173/api/health');
    expect(health.status).toBe(200);
    const page = await (await fetch('http://localhost:5173/')).text();
    expect(page).toContain('<div id="root">');
    expect(current.output()).toMatch(/\[lab\] open http:\/\/127\.0\.0\.1:8080\/\?token=/);
    expect((await current.stop(30_000)).forced).toBe(false);
    run = undefined;
  }, 240_000);
});
