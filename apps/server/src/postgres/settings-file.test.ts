import { describe, expect, it } from 'vitest';
import {
  effectiveValue,
  parseConfigFile,
  quoteConfigValue,
  setConfigValues,
  unquoteConfigString,
  verifyConfigText,
} from './settings-file.ts';

describe('config-file parser (guc-file.l rules)', () => {
  it('reads name = value, name value, quoted strings, numbers with units, comments and includes', () => {
    const text = [
      '# a comment',
      '',
      "listen_addresses = '*'\t\t# what IP address(es) to listen on;",
      'port 5433',
      'shared_buffers = 128MB',
      'wal_level=replica',
      "cluster_name = 'it''s \\\\ here'",
      'random_page_cost = 1.1',
      "include_if_exists 'extra.conf'",
      "archive_command = 'cp %p /a/%f'  # trailing",
      '  max_wal_size = 1GB',
    ].join('\n');
    const p = parseConfigFile(text);
    expect(p.errors).toEqual([]);
    expect(p.entries.map((e) => [e.name, e.value, e.line])).toEqual([
      ['listen_addresses', '*', 3],
      ['port', '5433', 4],
      ['shared_buffers', '128MB', 5],
      ['wal_level', 'replica', 6],
      ['cluster_name', "it's \\ here", 7],
      ['random_page_cost', '1.1', 8],
      ['archive_command', 'cp %p /a/%f', 10],
      ['max_wal_size', '1GB', 11],
    ]);
    expect(p.includes.map((e) => [e.name, e.value])).toEqual([['include_if_exists', 'extra.conf']]);
  });

  it('resolves backslash escapes as the server does', () => {
    expect(unquoteConfigString("'a\\tb\\nc\\101\\'d'")).toBe("a\tb\nc\u0041'd");
    expect(unquoteConfigString("''''")).toBe("'");
  });

  it('reports syntax errors with their line', () => {
    const p = parseConfigFile("ok = 1\ncluster_name = 'unterminated\n= 3\nport = 5 junk");
    expect(p.errors.map((e) => e.line)).toEqual([2, 3, 4]);
  });

  it('the last assignment wins, names compared case-insensitively', () => {
    const p = parseConfigFile("Cluster_Name = 'a'\ncluster_name = 'b'\n");
    expect(effectiveValue(p, 'cluster_name')).toBe('b');
  });
});

describe('writing settings', () => {
  it('quotes with doubled single quotes and doubled backslashes, refusing NUL and line breaks', () => {
    expect(quoteConfigValue("x'; DROP TABLE t; --")).toBe("'x''; DROP TABLE t; --'");
    expect(quoteConfigValue('a\\b')).toBe("'a\\\\b'");
    for (const bad of ['a\nb', 'a\rb', 'a\0b'])
      expect(() => quoteConfigValue(bad)).toThrow(/NUL or line break/);
  });

  it('rewrites existing lines in place (keeping comments), appends new names, leaves the rest byte for byte', () => {
    const before = [
      '# header',
      "#cluster_name = ''\t# commented out: not touched",
      "cluster_name = 'old'\t\t# added to the process title",
      'max_wal_senders = 10',
      "include 'other.conf'",
      'port = 5432',
      '',
    ].join('\n');
    const after = setConfigValues(before, { cluster_name: "it's $(id)", wal_keep_size: '512MB' });
    expect(after).toBe(
      [
        '# header',
        "#cluster_name = ''\t# commented out: not touched",
        "cluster_name = 'it''s $(id)'\t\t# added to the process title",
        'max_wal_senders = 10',
        "include 'other.conf'",
        'port = 5432',
        "wal_keep_size = '512MB'",
        '',
      ].join('\n'),
    );
    expect(verifyConfigText(after, { cluster_name: "it's $(id)", wal_keep_size: '512MB' })).toEqual([]);
  });

  it('handles a file without trailing newline, an empty file and CRLF lines', () => {
    expect(setConfigValues('port = 1', { hot_standby: 'on' })).toBe("port = 1\nhot_standby = 'on'\n");
    expect(setConfigValues('', { hot_standby: 'on' })).toBe("hot_standby = 'on'\n");
    expect(setConfigValues('hot_standby = off # c\r\nport = 1\r\n', { hot_standby: 'on' })).toBe(
      "hot_standby = 'on' # c\r\nport = 1\r\n",
    );
  });

  it('reads back hostile values exactly: quotes, backslashes, SQL, shell syntax, unicode', () => {
    const values = [
      "'",
      "''",
      '\\',
      "\\'",
      "x'; DROP TABLE pg_class; --",
      "a' \nb",
      '$(touch /tmp/x)`id`;|&>',
      '# not a comment',
      'ünïcødé ✓',
      ' leading and trailing ',
    ];
    for (const v of values) {
      if (/\n/.test(v)) {
        expect(() => setConfigValues('', { cluster_name: v })).toThrow();
        continue;
      }
      const text = setConfigValues("cluster_name = 'x'\n", { cluster_name: v });
      expect(verifyConfigText(text, { cluster_name: v })).toEqual([]);
      expect(text.split('\n').length).toBe(2);
    }
  });

  it('verify reports a wrong value and a broken file', () => {
    expect(verifyConfigText("a = 'x'\n", { a: 'y' })).toEqual(['a reads back as "x", not "y"']);
    expect(verifyConfigText("a = 'x\n", { a: 'x' })[0]).toMatch(/^line 1: syntax error/);
  });
});
