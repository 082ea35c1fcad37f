import { describe, expect, it } from 'vitest';
import { boundParams, diffLines, groupByPhase, stepRows, tailText, visibleControls } from './plan-view.ts';

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
      runs: [],
      pipeTo: null,
      detail: null,
      phase: null,
      critical: false,
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

describe('stepRows (replication steps)', () => {
  it("keeps a check's runs, a copy's receiving end, the detail, the phase and the critical mark", () => {
    const [check, copy] = stepRows([
      {
        node: 'h1',
        kind: 'check',
        title: 'h2 streams',
        runs: [
          { node: 'h1', sql: 'SELECT state FROM pg_stat_replication' },
          { node: 'h2', argv: ['pg_controldata', '/pg'] },
        ],
        phase: 'verify',
      },
      {
        node: 'h1',
        kind: 'copy',
        title: 'Copy',
        argv: ['tar', '-c', '.'],
        pipeTo: { node: 'h2', argv: ['tar', '-x'] },
        detail: 'Cancel removes the staging directory.',
        critical: true,
      },
    ]);
    expect(check?.runs).toEqual([
      { node: 'h1', argv: [], sql: 'SELECT state FROM pg_stat_replication' },
      { node: 'h2', argv: ['pg_controldata', '/pg'], sql: null },
    ]);
    expect(check).toMatchObject({ phase: 'verify', critical: false, pipeTo: null, detail: null });
    expect(copy).toMatchObject({
      argv: ['tar', '-c', '.'],
      pipeTo: { node: 'h2', argv: ['tar', '-x'] },
      detail: 'Cancel removes the staging directory.',
      critical: true,
      phase: null,
    });
  });
});

describe('groupByPhase', () => {
  const phase = (id: string, final = true) => ({
    id,
    type: 'preflight',
    node: 'h1',
    title: `T ${id}`,
    final,
  });
  const rowsIn = (...phases: (string | undefined)[]) =>
    stepRows(
      phases.map((p, i) => ({ node: 'h1', kind: 'command', title: `s${i}`, ...(p ? { phase: p } : {}) })),
    );
  const shape = (groups: ReturnType<typeof groupByPhase>) =>
    groups.map((g) => [g.phase?.id ?? null, g.rows.map((r) => r.index)]);

  it('puts every step under its phase, in run order, keeping the global step numbers', () => {
    const groups = groupByPhase(rowsIn('a', 'a', 'b', 'c', 'c'), [phase('a'), phase('b', false), phase('c')]);
    expect(shape(groups)).toEqual([
      ['a', [0, 1]],
      ['b', [2]],
      ['c', [3, 4]],
    ]);
    expect(groups[1]?.phase).toEqual(phase('b', false));
  });

  it('has one group without heading for a plan without phases', () => {
    expect(shape(groupByPhase(rowsIn(undefined, undefined), undefined))).toEqual([[null, [0, 1]]]);
    expect(groupByPhase([], undefined)).toEqual([]);
  });

  it('keeps steps outside any phase apart, where they run', () => {
    expect(shape(groupByPhase(rowsIn('a', undefined, 'b'), [phase('a'), phase('b')]))).toEqual([
      ['a', [0]],
      [null, [1]],
      ['b', [2]],
    ]);
  });

  it('heads a phase the list does not know with its id (final), and still shows listed phases without steps', () => {
    const groups = groupByPhase(rowsIn('a', 'x', 'c'), [phase('a'), phase('b'), phase('c'), phase('d')]);
    expect(shape(groups)).toEqual([
      ['a', [0]],
      ['b', []],
      ['x', [1]],
      ['c', [2]],
      ['d', []],
    ]);
    expect(groups[2]?.phase).toMatchObject({ id: 'x', title: 'x', final: true });
  });

  it('shows every phase of a plan that has no steps at all (a refused or empty composite plan)', () => {
    expect(shape(groupByPhase([], [phase('a'), phase('b')]))).toEqual([
      ['a', []],
      ['b', []],
    ]);
  });
});
