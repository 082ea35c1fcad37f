import { describe, expect, it } from 'vitest';
import {
  escapePgpassField,
  maskPgpass,
  type PgpassKey,
  parsePgpassLine,
  pgpassPassword,
  setPgpassEntry,
} from './pgpass.ts';

const KEY: PgpassKey = { host: '10.0.0.1', port: 5432, database: 'replication', user: 'replicator' };

/**
 * What libpq (fe-connect.c passwordFromFile) takes from a password file for a connection: the
 * first line whose four first fields each equal the connection's value or are `*`, escapes undone.
 * Written here from libpq's documented rules, independent of the module.
 */
function libpqPassword(text: string, k: PgpassKey): string | null {
  for (const raw of text.split('\n')) {
    const line = raw.replace(/\r$/, '');
    if (line === '' || line.startsWith('#')) continue;
    const fields: string[] = [];
    let cur = '';
    for (let i = 0; i < line.length; i++) {
      const c = line[i] as string;
      if (c === '\\' && i + 1 < line.length) cur += line[++i];
      else if (c === ':' && fields.length < 4) {
        fields.push(cur);
        cur = '';
      } else if (c === ':') break;
      else cur += c;
    }
    fields.push(cur);
    if (fields.length < 5) continue;
    const want = [k.host, String(k.port), k.database, k.user];
    if (want.every((w, i) => fields[i] === '*' || fields[i] === w)) return fields[4] ?? '';
  }
  return null;
}

describe('escaping', () => {
  it('escapes : and \\ with a backslash, and nothing else', () => {
    expect(escapePgpassField('a:b')).toBe('a\\:b');
    expect(escapePgpassField('a\\b')).toBe('a\\\\b');
    expect(escapePgpassField('\\:')).toBe('\\\\\\:');
    expect(escapePgpassField('p@ss w*rd#!')).toBe('p@ss w*rd#!');
    expect(() => escapePgpassField('a\nb')).toThrow(/line break/);
    expect(() => escapePgpassField('a\rb')).toThrow(/line break/);
  });

  it('a written line splits back into the same five fields, whatever they hold', () => {
    const e = { host: 'fe80::1', port: 6432, database: 'replication', user: 'rep\\l', password: 'a:b\\c:' };
    const text = setPgpassEntry(null, e);
    expect(text).toBe('fe80\\:\\:1:6432:replication:rep\\\\l:a\\:b\\\\c\\:\n');
    expect(parsePgpassLine(text.trimEnd())).toEqual(['fe80::1', '6432', 'replication', 'rep\\l', 'a:b\\c:']);
    expect(libpqPassword(text, e)).toBe('a:b\\c:');
    expect(pgpassPassword(text, e)).toBe('a:b\\c:');
  });

  it('comments and blank lines are not entries', () => {
    expect(parsePgpassLine('# 10.0.0.1:5432:*:u:p')).toBeNull();
    expect(parsePgpassLine('   ')).toBeNull();
    expect(parsePgpassLine('')).toBeNull();
  });
});

describe('setPgpassEntry', () => {
  it('creates the file with one line when there is none', () => {
    expect(setPgpassEntry(null, { ...KEY, password: 's3cret' })).toBe(
      '10.0.0.1:5432:replication:replicator:s3cret\n',
    );
    expect(setPgpassEntry('', { ...KEY, password: 's3cret' })).toBe(
      '10.0.0.1:5432:replication:replicator:s3cret\n',
    );
  });

  it('replaces the line of the same host:port:database:user in place and keeps every other line', () => {
    const before = [
      '# hand-written entries',
      'db9.example.com:5432:*:app:apppw',
      '10.0.0.1:5432:replication:replicator:oldpw',
      '',
      '10.0.0.1:5433:replication:replicator:otherport',
      '10.0.0.2:5432:replication:replicator:otherhost',
      '10.0.0.1:5432:postgres:replicator:otherdb',
      '10.0.0.1:5432:replication:backup:otheruser',
      '',
    ].join('\n');
    const after = setPgpassEntry(before, { ...KEY, password: 'newpw' });
    expect(after).toBe(before.replace('replicator:oldpw', 'replicator:newpw'));
    expect(pgpassPassword(after, KEY)).toBe('newpw');
    expect(libpqPassword(after, KEY)).toBe('newpw');
  });

  it('leaves exactly one line for the key when the file had it twice', () => {
    const before =
      'a:1:b:c:keep\n10.0.0.1:5432:replication:replicator:one\n10.0.0.1:5432:replication:replicator:two\n';
    expect(setPgpassEntry(before, { ...KEY, password: 'p' })).toBe(
      'a:1:b:c:keep\n10.0.0.1:5432:replication:replicator:p\n',
    );
  });

  it('adds the line at the end when the key is not there, even without a final newline', () => {
    expect(setPgpassEntry('# mine\nh:1:d:u:p', { ...KEY, password: 'x' })).toBe(
      '# mine\nh:1:d:u:p\n10.0.0.1:5432:replication:replicator:x\n',
    );
  });

  it('matches the key on unescaped values: an escaped host is the same host', () => {
    const key = { host: 'h:1', port: 5432, database: 'replication', user: 'u' };
    const after = setPgpassEntry('h\\:1:5432:replication:u:old\n', { ...key, password: 'new' });
    expect(after).toBe('h\\:1:5432:replication:u:new\n');
  });

  it('the password written is the one libpq uses, even when a wildcard line for the same role came first', () => {
    const before = '*:*:*:replicator:stale\n';
    const after = setPgpassEntry(before, { ...KEY, password: 'fresh' });
    // libpq reads the first matching line: a line added after the wildcard is never read.
    expect(libpqPassword(after, KEY)).toBe('fresh');
  });
});

describe('pgpassPassword', () => {
  it('finds the password of the key (first matching line) and null when there is none', () => {
    const text = '10.0.0.1:5432:replication:replicator:first\n10.0.0.1:5432:replication:replicator:second\n';
    expect(pgpassPassword(text, KEY)).toBe('first');
    expect(pgpassPassword(text, { ...KEY, port: 5433 })).toBeNull();
    expect(pgpassPassword(text, { ...KEY, user: 'other' })).toBeNull();
    expect(pgpassPassword(null, KEY)).toBeNull();
    expect(pgpassPassword('', KEY)).toBeNull();
    expect(pgpassPassword('# 10.0.0.1:5432:replication:replicator:commented\n', KEY)).toBeNull();
  });

  it('an empty password field is an entry with an empty password, not a missing one', () => {
    expect(pgpassPassword('10.0.0.1:5432:replication:replicator:\n', KEY)).toBe('');
  });

  it('a line with * fields covers the key, as libpq reads it', () => {
    // libpq: "Each of the first four fields can be a literal value, or *, which matches anything."
    expect(pgpassPassword('*:*:replication:replicator:wild\n', KEY)).toBe('wild');
    expect(pgpassPassword('10.0.0.1:*:*:*:wild\n', KEY)).toBe('wild');
  });
});

describe('maskPgpass', () => {
  it('hides every password, keeps comments, blank lines and the other fields as written', () => {
    const text = [
      '# walboard',
      '10.0.0.1:5432:replication:replicator:s3cret',
      '',
      'fe80\\:\\:1:5432:*:app:pa\\:ss\\\\word',
      '*:*:*:postgres:',
      '',
    ].join('\n');
    const masked = maskPgpass(text);
    expect(masked).toBe(
      [
        '# walboard',
        '10.0.0.1:5432:replication:replicator:********',
        '',
        'fe80\\:\\:1:5432:*:app:********',
        '*:*:*:postgres:********',
        '',
      ].join('\n'),
    );
    for (const secret of ['s3cret', 'pa', 'ss', 'word']) expect(masked).not.toContain(secret);
  });

  it('null stays null, empty stays empty, and a last line without newline gets one', () => {
    expect(maskPgpass(null)).toBeNull();
    expect(maskPgpass('')).toBe('');
    expect(maskPgpass('h:1:d:u:p')).toBe('h:1:d:u:********\n');
  });

  it('a password holding colons is hidden whole', () => {
    const text = setPgpassEntry(null, { ...KEY, password: 'x:y:z' });
    expect(maskPgpass(text)).toBe('10.0.0.1:5432:replication:replicator:********\n');
  });
});
