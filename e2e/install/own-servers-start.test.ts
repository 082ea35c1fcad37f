// The README's command for one's own servers, typed as written in a folder of the checkout that
// holds walboard.yaml: pnpm runs the script inside apps/server, yet the relative --config must be
// the file where the command was typed (it failed with ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL, then
// with "file not found" in apps/server).
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from '@walboard/server/src/nodes/test-support/sshd-fixture.ts';
import { afterAll, describe, expect, it } from 'vitest';
import { type LongRunning, repoRoot, startCommand, waitFor200 } from './run-command.ts';

const OWN_SERVERS_START = 'pnpm --filter @walboard/server start -- --config walboard.yaml';

describe('README: running against one’s own servers', () => {
  const dir = join(repoRoot, '.e2e-artifacts', `readme-own-servers-${process.pid}`);
  let run: LongRunning | undefined;

  afterAll(async () => {
    await run?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it(OWN_SERVERS_START, async () => {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    const port = await freePort();
    const runAs = process.getuid?.() === 0 ? '\n        runAs: postgres' : '';
    writeFileSync(
      join(dir, 'walboard.yaml'),
      `listen: 127.0.0.1:${port}
dataDir: ./.walboard
clusters:
  - name: mine
    nodes:
      - name: n1
        transport: local${runAs}
        postgres: { port: ${await freePort()}, binDir: /usr/lib/postgresql/15/bin, dataDir: ${dir}/pg }
`,
    );
    const started = performance.now();
    run = startCommand(OWN_SERVERS_START, dir);
    const current = run;
    await waitFor200(
      `http://127.0.0.1:${port}/api/health`,
      started,
      90_000,
      () => current.child.exitCode === null,
    ).catch((err: Error) => {
      throw new Error(`${err.message}; output:\n${current.output()}`);
    });
    expect(run.output()).toContain(`walboard listening on http://127.0.0.1:${port}`);
    // Its state went where walboard.yaml says, beside the file: the file was read from here.
    expect(existsSync(join(dir, '.walboard', 'walboard.db'))).toBe(true);
    expect((await run.stop()).forced).toBe(false);
    expect(run.output()).not.toContain('ERR_PARSE_ARGS');
  });
});
