import { describe, expect, it } from 'vitest';
import { LevelTracker, levelOf } from './log-level.ts';

// Lines as PostgreSQL 15 writes them with the default log_line_prefix '%m [%p] '.
const p = '2026-11-25 19:08:50.123 UTC [4242] ';

describe('levelOf', () => {
  it.each([
    [`${p}LOG:  database system is ready to accept connections`, 'LOG'],
    [`${p}WARNING:  there is no transaction in progress`, 'WARNING'],
    [`${p}ERROR:  division by zero`, 'ERROR'],
    [`${p}FATAL:  password authentication failed for user "x"`, 'FATAL'],
    [`${p}PANIC:  could not write to file "pg_wal/xlogtemp.1": No space left on device`, 'PANIC'],
    [`${p}DEBUG1:  checkpoint sync: number=1`, 'DEBUG'],
    [`${p}DEBUG5:  CommitTransaction`, 'DEBUG'],
    [`${p}INFO:  vacuuming "public.t"`, 'INFO'],
    [`${p}NOTICE:  table "t" does not exist, skipping`, 'NOTICE'],
    // Other prefixes: the severity is still the first WORD followed by ":  ".
    ['[4242]: [3-1] user=app,db=shop ERROR:  relation "x" does not exist', 'ERROR'],
    ['LOG:  redo starts at 0/1000028', 'LOG'],
  ] as const)('%s → %s', (line, level) => {
    expect(levelOf(line, null)).toBe(level);
  });

  it('takes the severity of the prefix, not a severity quoted later in the message', () => {
    expect(levelOf(`${p}LOG:  statement: SELECT 'ERROR:  fake'`, null)).toBe('LOG');
  });

  it('does not read a severity without the two spaces PostgreSQL writes after it', () => {
    expect(levelOf('rsync: ERROR: connection unexpectedly closed', null)).toBe('OTHER');
    expect(levelOf('MYLOG:  not a level', null)).toBe('OTHER');
  });

  it('makes a foreign line (archive_command output, no severity) OTHER', () => {
    expect(levelOf('cp: cannot stat pg_wal/000000010000000000000003: No such file', 'ERROR')).toBe('OTHER');
    expect(levelOf('', 'LOG')).toBe('OTHER');
  });
});

describe('LevelTracker: lines attached to a message inherit its level', () => {
  it('gives DETAIL/HINT/STATEMENT/CONTEXT and tab continuations the level of the message above', () => {
    const t = new LevelTracker();
    const levels = [
      `${p}ERROR:  duplicate key value violates unique constraint "t_pkey"`,
      `${p}DETAIL:  Key (id)=(1) already exists.`,
      `${p}STATEMENT:  INSERT INTO t`,
      '\tVALUES (1)',
      `${p}LOG:  checkpoint starting: time`,
      `${p}FATAL:  role "x" does not exist`,
      `${p}HINT:  create it first`,
      `${p}WARNING:  archiving write-ahead log file "000000010000000000000001" failed too many times`,
      `${p}CONTEXT:  while archiving`,
    ].map((l) => t.next(l));
    expect(levels).toEqual([
      'ERROR',
      'ERROR',
      'ERROR',
      'ERROR',
      'LOG',
      'FATAL',
      'FATAL',
      'WARNING',
      'WARNING',
    ]);
  });

  it('makes an attached line with nothing above it OTHER', () => {
    expect(new LevelTracker().next(`${p}DETAIL:  orphan`)).toBe('OTHER');
    expect(new LevelTracker().next('\tcontinued')).toBe('OTHER');
  });
});
