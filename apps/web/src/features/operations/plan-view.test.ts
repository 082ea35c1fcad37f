import { describe, expect, it } from 'vitest';
import { boundParams, diffLines, stepRows, tailText, visibleControls } from './plan-view.ts';

describe('stepRows', () => {
  it('keeps every argv element apart and as given', () => {
    const [row] = stepRows([
      {
        node: 'db1',
        kind: 'command',
        title: 'Stop PostgreSQL',
        argv: ['/usr/lib/postgresql/15/bin/pg_ctl', 'stop', '-D', '/var/lib/pg data', '-m', 'fast', ''],
      },
    ]);
    expect(row).toEqual({
      index: 0,
      node: 'db1',
      kind: 'command',
      title: 'Stop PostgreSQL',
      argv: ['/usr/lib/postgresql/15/bin/pg_ctl', 'stop', '-D', '/var/lib/pg data', '-m', 'fast', ''],
      sql: null,
      params: [],
      file: null,
    });
  });

  it('shows SQL with its bound values, and file changes with backup and classified diff', () => {
    const rows = stepRows([
      {
        node: 'db1',
        kind: 'sql',
        title: 'Create slot',
        sql: 'SELECT pg_create_physical_replication_slot($1)',
        sqlParams: ["s1'; DROP"],
      },
      {
        node: 'db2',
        kind: 'file',
        title: 'Write postgresql.auto.conf',
        file: {
          path: '/pg/postgresql.auto.conf',
          backup: null,
          diff: '--- a\n+++ b\n@@ -1 +1 @@\n-x\n+y\n z\n',
        },
      },
    ]);
    expect(rows[0]?.params).toEqual([{ placeholder: '$1', value: "s1'; DROP" }]);
    expect(rows[0]?.sql).toBe('SELECT pg_create_physical_replication_slot($1)');
    expect(rows[1]?.file).toEqual({
      path: '/pg/postgresql.auto.conf',
      backup: null,
      diff: [
        { kind: 'header', text: '--- a' },
        { kind: 'header', text: '+++ b' },
        { kind: 'hunk', text: '@@ -1 +1 @@' },
        { kind: 'remove', text: '-x' },
        { kind: 'add', text: '+y' },
        { kind: 'context', text: ' z' },
      ],
    });
  });
});

describe('diffLines', () => {
  it('has no line for an empty diff and keeps HTML-looking text as it is', () => {
    expect(diffLines('')).toEqual([]);
    expect(diffLines('+<img src=x onerror=alert(1)>')).toEqual([
      { kind: 'add', text: '+<img src=x onerror=alert(1)>' },
    ]);
  });
});

describe('boundParams', () => {
  it('numbers placeholders from $1', () => {
    expect(boundParams(['a', 'b'])).toEqual([
      { placeholder: '$1', value: 'a' },
      { placeholder: '$2', value: 'b' },
    ]);
    expect(boundParams(undefined)).toEqual([]);
  });
});

describe('tailText', () => {
  it('leaves short output alone', () => {
    expect(tailText('abc', 10)).toEqual({ text: 'abc', hidden: 0 });
  });

  it('keeps the end of long output, starting at a line when one is near, and counts what it left out', () => {
    const text = `${'x'.repeat(1000)}\nlast line\n`;
    const cut = tailText(text, 15);
    expect(cut.text).toBe('last line\n');
    expect(cut.hidden + cut.text.length).toBe(text.length);
  });

  it('cuts mid-line when no line start is near (one huge line)', () => {
    const cut = tailText('y'.repeat(100_000), 16_384);
    expect(cut.text.length).toBe(16_384);
    expect(cut.hidden).toBe(100_000 - 16_384);
  });
});

describe('visibleControls', () => {
  it('shows ANSI escapes and carriage returns as symbols, keeping line breaks in output', () => {
    expect(visibleControls('\u001b[31mred\u001b[0m\r\nnext\tcol', true)).toBe('␛[31mred␛[0m␍\nnext\tcol');
  });

  it('shows a line break inside one argument, so it cannot pass for two', () => {
    expect(visibleControls('a\nb\u0000', false)).toBe('a␊b␀');
    expect(visibleControls('plain -D /data', false)).toBe('plain -D /data');
  });
});
