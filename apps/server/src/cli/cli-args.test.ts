import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { WALBOARD_VERSION } from '../app.ts';
import { HELP_TEXT, parseCli } from './cli-args.ts';
import { packageVersion } from './version.ts';

const cwd = '/srv/here';

describe('walboard command line', () => {
  it('reads --config, else WALBOARD_CONFIG, else ./walboard.yaml, relative to where it was started', () => {
    expect(parseCli(['--config', '/etc/walboard/walboard.yaml'], {}, cwd)).toEqual({
      kind: 'run',
      configFile: '/etc/walboard/walboard.yaml',
    });
    expect(parseCli(['-c', 'mine.yaml'], { WALBOARD_CONFIG: '/etc/x.yaml' }, cwd)).toEqual({
      kind: 'run',
      configFile: '/srv/here/mine.yaml',
    });
    expect(parseCli([], { WALBOARD_CONFIG: 'conf/w.yaml' }, cwd)).toEqual({
      kind: 'run',
      configFile: '/srv/here/conf/w.yaml',
    });
    expect(parseCli([], { WALBOARD_CONFIG: '' }, cwd)).toEqual({
      kind: 'run',
      configFile: '/srv/here/walboard.yaml',
    });
  });

  it('under a package manager script, a relative path means the folder the command was typed in', () => {
    const env = { npm_lifecycle_event: 'start', INIT_CWD: '/home/dba/checkout' };
    // pnpm hands the "--" of `pnpm … start -- --config x` on to the program.
    expect(parseCli(['--', '--config', 'walboard.yaml'], env, '/home/dba/checkout/apps/server')).toEqual({
      kind: 'run',
      configFile: '/home/dba/checkout/walboard.yaml',
    });
    // INIT_CWD alone (left in the environment by some other tool) is not a package manager script.
    expect(parseCli(['--config', 'w.yaml'], { INIT_CWD: '/elsewhere' }, cwd)).toEqual({
      kind: 'run',
      configFile: '/srv/here/w.yaml',
    });
  });

  it('passes --log-level and --log-format on, and refuses values it does not know', () => {
    expect(parseCli(['--log-level', 'debug', '--log-format', 'json'], {}, cwd)).toEqual({
      kind: 'run',
      configFile: '/srv/here/walboard.yaml',
      logLevel: 'debug',
      logFormat: 'json',
    });
    const level = parseCli(['--log-level', 'loud'], {}, cwd);
    expect(level).toEqual({
      kind: 'usage-error',
      message: '--log-level "loud" is not a level: use one of fatal, error, warn, info, debug, trace, silent',
    });
    expect(parseCli(['--log-format', 'xml'], {}, cwd).kind).toBe('usage-error');
  });

  it('refuses unknown options and stray words instead of ignoring them', () => {
    expect(parseCli(['--confg', 'x'], {}, cwd)).toMatchObject({ kind: 'usage-error' });
    expect(parseCli(['walboard.yaml'], {}, cwd)).toMatchObject({ kind: 'usage-error' });
    expect(parseCli(['--config'], {}, cwd)).toMatchObject({ kind: 'usage-error' });
  });

  it('--help lists every option; --version is the package version', () => {
    expect(parseCli(['--help', '--config', 'x'], {}, cwd)).toEqual({ kind: 'help' });
    expect(parseCli(['-v'], {}, cwd)).toEqual({ kind: 'version' });
    for (const option of [
      '--config',
      '--log-level',
      '--log-format',
      '--version',
      '--help',
      'WALBOARD_CONFIG',
    ]) {
      expect(HELP_TEXT).toContain(option);
    }
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
      version: string;
    };
    expect(packageVersion()).toBe(pkg.version);
    expect(WALBOARD_VERSION).toBe(pkg.version);
  });
});
