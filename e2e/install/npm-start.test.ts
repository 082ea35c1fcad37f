// `npm start` as the README shows it with its options: the two-command lab (install, build the
// page, two local PostgreSQL servers, the controller, the one-time link). The lab folder and the
// address are a test's own (under /var/tmp: as root the servers run as another user, who must reach
// it; a free port), so that the run neither reuses the checkout's .walboard-lab nor needs 8080.
import { mkdtempSync, rmSync } from 'node:fs';
import { chmod } from 'node:fs/promises';
import { join } from 'node:path';
import { freePort } from '@walboard/server/src/nodes/test-support/sshd-fixture.ts';
import { afterAll, describe, expect, it } from 'vitest';
import { type LongRunning, repoRoot, startCommand, waitFor200 } from './run-command.ts';

const NPM_START_WITH_OPTIONS = 'npm start -- --dir /path/to/lab --listen 127.0.0.1:9090';
const NPM_START_DEBUG = 'npm start -- --log-level debug';

describe('README: npm start (the embedded two-server lab)', () => {
  const base = mkdtempSync('/var/tmp/walboard-npm-start-');
  let run: LongRunning | undefined;

  afterAll(async () => {
    await run?.stop(30_000);
    rmSync(base, { recursive: true, force: true });
  });

  /** Runs `command` and waits for walboard's /api/health on `port` (its output in the error). */
  async function startLab(command: string, port: number): Promise<LongRunning> {
    const started = performance.now();
    run = startCommand(command, repoRoot);
    const current = run;
    await waitFor200(
      `http://127.0.0.1:${port}/api/health`,
      started,
      150_000,
      () => current.child.exitCode === null,
    ).catch((err: Error) => {
      throw new Error(`${err.message}; output:\n${current.output()}`);
    });
    return current;
  }

  /** Waits up to `ms` for the output to match. */
  async function outputShows(current: LongRunning, pattern: RegExp, ms: number): Promise<void> {
    const deadline = Date.now() + ms;
    while (!pattern.test(current.output()) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  it(`${NPM_START_WITH_OPTIONS} (npm start with the test's folder and port)`, async () => {
    await chmod(base, 0o755);
    const port = await freePort();
    const command = NPM_START_WITH_OPTIONS.replace('/path/to/lab', join(base, 'lab')).replace(
      '127.0.0.1:9090',
      `127.0.0.1:${port}`,
    );
    const current = await startLab(command, port);
    // The link is printed once walboard listens; it signs one browser in and lands on the Lab view.
    await outputShows(current, /\[lab\] open (\S+)/, 10_000);
    const link = /\[lab\] open (\S+)/.exec(current.output())?.[1];
    expect(link, current.output()).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${port}/\\?token=\\S+#/lab$`));
    const page = await fetch(link ?? '');
    expect(page.status).toBe(200);
    // At the default level a student's terminal gets no line per HTTP request.
    expect(current.output()).not.toMatch(/http\.request|GET \/api\/health/);
    // Ctrl-C: the controller stops its two servers, then every process of the command ends.
    expect((await current.stop(30_000)).forced).toBe(false);
    run = undefined;
  });

  it(`${NPM_START_DEBUG} (the same lab folder and a free port): HTTP requests logged too`, async () => {
    const port = await freePort();
    const command = `${NPM_START_DEBUG} --dir ${join(base, 'lab')} --listen 127.0.0.1:${port}`;
    const current = await startLab(command, port);
    await fetch(`http://127.0.0.1:${port}/api/health`);
    await outputShows(current, /\/api\/health/, 5_000);
    const line = current
      .output()
      .split('\n')
      .find((l) => l.includes('"event":"http.request"') && l.includes('"url":"/api/health"'));
    expect(line, current.output()).toBeDefined();
    expect(JSON.parse(line ?? '{}')).toMatchObject({ level: 20, method: 'GET', status: 200 });
    expect((await current.stop(30_000)).forced).toBe(false);
    run = undefined;
  });
});
