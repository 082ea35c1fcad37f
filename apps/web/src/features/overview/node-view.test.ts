import type { NodeStatus } from '@walboard/shared';
import { nodeStatusFixture } from '@walboard/shared/testing';
import { describe, expect, it } from 'vitest';
import { ageOf, isReachable } from './node-view.ts';

function withLinks(ssh: 'up' | 'down' | null, pg: 'up' | 'down'): NodeStatus {
  return nodeStatusFixture('h1', {
    transport: ssh === null ? 'local' : 'ssh',
    host: '10.0.0.11',
    reachability: { ssh, pg, reason: pg === 'up' && ssh !== 'down' ? null : 'connection refused' },
  });
}

describe('isReachable', () => {
  it.each([
    ['up', 'up', true],
    [null, 'up', true],
    ['up', 'down', false],
    ['down', 'down', false],
    ['down', 'up', false],
    [null, 'down', false],
  ] as const)('ssh %s, pg %s → %s', (ssh, pg, expected) => {
    expect(isReachable(withLinks(ssh, pg))).toBe(expected);
  });
});

describe('ageOf', () => {
  const at = '2025-01-01T00:00:00.000Z';
  const t0 = Date.parse(at);

  it('counts whole seconds under two minutes', () => {
    expect(ageOf(at, t0)).toEqual({ unit: 'seconds', value: 0 });
    expect(ageOf(at, t0 + 1999)).toEqual({ unit: 'seconds', value: 1 });
    expect(ageOf(at, t0 + 119_999)).toEqual({ unit: 'seconds', value: 119 });
  });

  it('switches to whole minutes from two minutes on', () => {
    expect(ageOf(at, t0 + 120_000)).toEqual({ unit: 'minutes', value: 2 });
    expect(ageOf(at, t0 + 3_599_000)).toEqual({ unit: 'minutes', value: 59 });
  });

  it('never goes negative when the browser clock is behind', () => {
    expect(ageOf(at, t0 - 5000)).toEqual({ unit: 'seconds', value: 0 });
  });

  it('returns null for an unparsable time', () => {
    expect(ageOf('not a time', t0)).toBeNull();
  });
});
