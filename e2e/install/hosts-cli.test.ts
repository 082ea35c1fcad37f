// The README's test hosts by hand: `pnpm --filter @walboard/e2e hosts up --hosts 2`, then
// `isolate h2`, `rejoin h2`, `crash h1`, `status`, `down`. The follow-up commands name the run
// (--run ID): other tests may have runs of their own up at the same time, and without it a
// command acts on the most recent run, which need not be this one.
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot, runToEnd } from './run-command.ts';

const HOSTS_UP = 'pnpm --filter @walboard/e2e hosts up --hosts 2';
const hosts = (args: string) => runToEnd(`pnpm --filter @walboard/e2e hosts ${args}`, repoRoot);

describe('README: test hosts by hand', () => {
  let run = '';

  afterAll(() => {
    if (run) hosts(`down --run ${run}`);
  });

  it(`${HOSTS_UP}, then isolate h2, rejoin h2, crash h1, status, down`, () => {
    const up = runToEnd(HOSTS_UP, repoRoot);
    expect(up.code, up.stderr).toBe(0);
    run = /run (\S+) up in/.exec(up.stderr)?.[1] ?? '';
    expect(run, up.stderr).not.toBe('');
    const line = (host: string) =>
      hosts(`status --run ${run}`)
        .stdout.split('\n')
        .find((l) => l.trim().startsWith(`${host} `)) ?? '';
    expect(line('h1')).toContain('postgres:running');
    expect(line('h2')).not.toContain('ISOLATED');

    expect(hosts(`isolate h2 --run ${run}`).code).toBe(0);
    expect(line('h2')).toContain('ISOLATED');
    expect(hosts(`rejoin h2 --run ${run}`).code).toBe(0);
    expect(line('h2')).not.toContain('ISOLATED');
    expect(hosts(`crash h1 --run ${run}`).code).toBe(0);
    expect(line('h1')).toContain('postgres:stopped');

    const down = hosts(`down --run ${run}`);
    expect(down.code, down.stderr).toBe(0);
    expect(down.stderr).toContain(`run ${run} down in`);
    run = '';
  }, 180_000);
});
