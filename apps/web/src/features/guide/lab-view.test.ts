import type { Operation } from '@walboard/shared/operations';
import { describe, expect, it } from 'vitest';
import { labTextMessage, stepOperation } from './lab-view.ts';

function op(id: string, type: string, node: string, createdAt: string): Operation {
  return {
    id,
    cluster: 'lab',
    node,
    type,
    params: {},
    requestedBy: 'lab',
    state: 'succeeded',
    createdAt,
    finishedAt: createdAt,
    message: '',
    steps: [],
  };
}

describe('stepOperation', () => {
  const since = '2026-12-04T10:00:00.000Z';
  const ops = [
    op('c', 'start', 'db2', '2026-12-04T10:05:00.000Z'),
    op('b', 'base-backup', 'db2', '2026-12-04T10:03:00.000Z'),
    op('a', 'base-backup', 'db2', '2026-12-04T09:00:00.000Z'),
    op('x', 'base-backup', 'db1', '2026-12-04T10:04:00.000Z'),
  ];

  it('is the newest operation of the step type on the step node in this run of the lab', () => {
    expect(stepOperation(ops, { type: 'base-backup', node: 'db2' }, since)?.id).toBe('b');
    expect(stepOperation(ops, { type: 'start', node: 'db2' }, since)?.id).toBe('c');
  });

  it('ignores runs from before the lab (re)started and runs on other nodes', () => {
    expect(stepOperation(ops, { type: 'base-backup', node: 'db2' }, '2026-12-04T10:04:00.000Z')).toBeNull();
    expect(stepOperation(ops, { type: 'promote', node: 'db2' }, since)).toBeNull();
  });
});

describe('labTextMessage', () => {
  it('translates known Check sentences and leaves unknown keys to be shown as they are', () => {
    expect(labTextMessage({ key: 'guide.check.sameMajor', params: { major: '15' } })?.key).toBe(
      'guide.check.sameMajor',
    );
    expect(labTextMessage({ key: 'guide.check.fromTheFuture', params: {} })).toBeNull();
  });
});
