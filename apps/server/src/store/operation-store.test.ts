import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Operation } from '@walboard/shared/operations';
import { afterEach, describe, expect, it } from 'vitest';
import { openStore, type WalboardStore } from './database.ts';
import { OperationStore } from './operation-store.ts';

const op = (over: Partial<Operation>): Operation => ({
  id: 'a',
  cluster: 'lab',
  node: 'node1',
  type: 'stop',
  params: { mode: 'fast' },
  requestedBy: 'alice',
  state: 'running',
  createdAt: '2025-01-01T00:00:00.000Z',
  finishedAt: null,
  message: 'running',
  steps: [
    {
      node: 'node1',
      kind: 'command',
      title: 't',
      argv: ['pg_ctl', 'stop'],
      state: 'running',
      output: '',
      exitCode: null,
      startedAt: 'x',
      finishedAt: null,
    },
    {
      node: 'node1',
      kind: 'sql',
      title: 'u',
      sql: 'SELECT 1',
      sqlParams: [],
      state: 'pending',
      output: '',
      exitCode: null,
      startedAt: null,
      finishedAt: null,
    },
  ],
  ...over,
});

describe('OperationStore (SQLite)', () => {
  let dir: string;
  let store: WalboardStore;
  afterEach(() => {
    store?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('saves, updates in place, lists newest first per cluster, and survives a reopen', () => {
    dir = mkdtempSync(join(tmpdir(), 'wb-opstore-'));
    store = openStore(dir);
    const ops = new OperationStore(store.db);
    ops.save(op({ id: 'a' }));
    ops.save(op({ id: 'b', createdAt: '2025-01-02T00:00:00.000Z' }));
    ops.save(op({ id: 'c', cluster: 'other' }));
    ops.save(op({ id: 'a', state: 'succeeded', message: 'done', finishedAt: 'y' }));
    expect(ops.list('lab', 10).map((o) => [o.id, o.state])).toEqual([
      ['b', 'running'],
      ['a', 'succeeded'],
    ]);
    expect(ops.list('lab', 1)).toHaveLength(1);
    store.close();
    store = openStore(dir);
    expect(new OperationStore(store.db).get('a')).toEqual(
      op({ id: 'a', state: 'succeeded', message: 'done', finishedAt: 'y' }),
    );
  });

  it('marks operations cut off by a controller stop as interrupted, their running step failed and the rest skipped', () => {
    dir = mkdtempSync(join(tmpdir(), 'wb-opstore-'));
    store = openStore(dir);
    const ops = new OperationStore(store.db);
    ops.save(op({ id: 'a' }));
    ops.save(op({ id: 'b', state: 'succeeded' }));
    expect(ops.failInterrupted('2025-01-03T00:00:00.000Z')).toBe(1);
    const a = ops.get('a');
    expect([a?.state, a?.finishedAt, a?.steps.map((s) => s.state)]).toEqual([
      'interrupted',
      '2025-01-03T00:00:00.000Z',
      ['failed', 'skipped'],
    ]);
    expect(a?.message).toMatch(/controller stopped during step 1/);
    expect(a?.nextAction).toMatch(/plan .* again/);
    expect(ops.get('b')?.state).toBe('succeeded');
    expect(ops.get('zz')).toBeNull();
  });
});
