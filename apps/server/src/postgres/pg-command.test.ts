import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  pgCommand,
  pgCommandArgv,
  RESTART_FILE,
  substitutePgCommand,
  WAL_NAME,
  WAL_PATH,
} from './pg-command.ts';

describe('pgCommand: PostgreSQL %-escaping on top of shell quoting', () => {
  it('the placeholder tokens become %p, %f and %r, bare', () => {
    expect(pgCommandArgv(['cp', '--', `/srv/wal_archive/${WAL_NAME}`, WAL_PATH])).toBe(
      'cp -- /srv/wal_archive/%f %p',
    );
    expect(pgCommandArgv(['pg_archivecleanup', '--', '/srv/wal_archive', RESTART_FILE])).toBe(
      'pg_archivecleanup -- /srv/wal_archive %r',
    );
  });

  it('a literal % becomes %%, so a path can never turn into a placeholder', () => {
    expect(pgCommandArgv(['cp', '--', `/srv/50%/${WAL_NAME}`, WAL_PATH])).toBe('cp -- /srv/50%%/%f %p');
    // A directory literally named %p or %f stays that name once PostgreSQL substitutes.
    const line = pgCommandArgv(['cp', '--', `/srv/%p/%f/${WAL_NAME}`, WAL_PATH]);
    expect(line).toBe('cp -- /srv/%%p/%%f/%f %p');
    expect(substitutePgCommand(line, { p: 'pg_wal/RECOVERYXLOG', f: '000000010000000000000003' })).toBe(
      'cp -- /srv/%p/%f/000000010000000000000003 pg_wal/RECOVERYXLOG',
    );
    expect(pgCommandArgv(['echo', '100%%'])).toBe('echo 100%%%%');
  });

  it('arguments with shell syntax are single-quoted, and the placeholders inside still work', () => {
    const line = pgCommandArgv(['cp', '--', `/srv/my archive/${WAL_NAME}`, WAL_PATH]);
    expect(line).toBe("cp -- '/srv/my archive/%f' %p");
    expect(pgCommandArgv(['echo', "it's $HOME"])).toBe("echo 'it'\\''s $HOME'");
  });

  it('templates with fixed shell syntax keep it; each slot is quoted on its own', () => {
    expect(
      pgCommand('test ! -f {{dst}} && {{cp}}', { dst: [`/a b/${WAL_NAME}`], cp: ['cp', WAL_PATH, '/x'] }),
    ).toBe("test ! -f '/a b/%f' && cp %p /x");
  });

  it('refuses a template holding %, and arguments with a line break', () => {
    expect(() => pgCommand('echo % {{a}}', { a: ['x'] })).toThrow(/must not hold %/);
    expect(() => pgCommandArgv(['echo', 'a\nb'])).toThrow(/line break/);
    expect(() => pgCommandArgv(['echo', 'a\rb'])).toThrow(/line break/);
  });
});

describe('substitutePgCommand', () => {
  it('replaces %p %f %r, reads %% as %, and leaves other % sequences and missing values', () => {
    expect(substitutePgCommand('a %p %f %r %% %x %', { p: 'P', f: 'F', r: 'R' })).toBe('a P F R % %x %');
    expect(substitutePgCommand('%%p %p', { p: 'P' })).toBe('%p P');
    expect(substitutePgCommand('%r', {})).toBe('%r');
  });
});

describe('a restore_command line run by sh after PostgreSQL substitution', () => {
  const dir = mkdtempSync(join(tmpdir(), 'walboard-pgcmd-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("copies exactly the asked segment from an archive path holding spaces, % and '", () => {
    const archive = join(dir, "arch ive 50% o'k");
    const pgWal = join(dir, 'pg_wal');
    mkdirSync(archive);
    mkdirSync(pgWal);
    writeFileSync(join(archive, '000000010000000000000007'), 'segment 7');
    writeFileSync(join(archive, '000000010000000000000008'), 'segment 8');
    const line = pgCommandArgv(['cp', '--', `${archive}/${WAL_NAME}`, WAL_PATH]);
    const cmd = substitutePgCommand(line, { f: '000000010000000000000007', p: join(pgWal, 'RECOVERYXLOG') });
    execFileSync('/bin/sh', ['-c', cmd]);
    expect(readFileSync(join(pgWal, 'RECOVERYXLOG'), 'utf8')).toBe('segment 7');
  });
});
