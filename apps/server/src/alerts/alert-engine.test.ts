import type { Alert } from '@walboard/shared/alerts';
import type { AlertRuleConfig } from '@walboard/shared/config';
import type { Operation } from '@walboard/shared/operations';
import type { ReplicationLink } from '@walboard/shared/status';
import { nodeStatusFixture } from '@walboard/shared/testing';
import { describe, expect, it } from 'vitest';
import { AlertEngine } from './alert-engine.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function engine(rules: AlertRuleConfig[]) {
  const seen: Alert[] = [];
  const e = new AlertEngine({ rules, onChange: (a) => seen.push(a) });
  return { e, seen };
}

const down = (node: string) =>
  nodeStatusFixture(node, { reachability: { ssh: 'down', pg: 'down', reason: 'keepalive timeout' } });
const up = (node: string) => nodeStatusFixture(node);

function link(
  standby: string,
  replayBytes: number | null,
  replaySeconds: number | null = 0,
): ReplicationLink {
  return {
    primary: 'h1',
    standby,
    applicationName: standby,
    clientAddr: null,
    streaming: true,
    archiveShipping: false,
    state: 'streaming',
    lag: { replayBytes, flushBytes: replayBytes, replaySeconds, secondsSource: 'wal-timeline' },
  };
}

function op(id: string, state: Operation['state']): Operation {
  return {
    id,
    cluster: 'lab',
    node: 'h2',
    type: 'rejoin',
    params: {},
    requestedBy: 'admin',
    state,
    createdAt: '2026-01-01T00:00:00.000Z',
    finishedAt: state === 'running' ? null : '2026-01-01T00:01:00.000Z',
    message: state === 'failed' ? 'pg_rewind failed' : '',
    steps: [],
  };
}

describe('AlertEngine', () => {
  it('node-unreachable: fires after the window with the reason, once; resolves once; lists it', async () => {
    const { e, seen } = engine([{ name: 'down', kind: 'node-unreachable', forSeconds: 0.1 }]);
    e.observeStatus(down('h2'));
    e.observeStatus(up('h1'));
    expect(seen).toHaveLength(0);
    await sleep(130);
    e.observeStatus(down('h2')); // the 2 s heartbeat repeating the same state
    expect(seen.map((a) => `${a.status} ${a.node}`)).toEqual(['firing h2']);
    expect(seen[0]?.summary).toMatch(
      /lab\/h2 is unreachable \(ssh down, PostgreSQL down\): keepalive timeout/,
    );
    expect(e.list().current.map((a) => a.id)).toEqual([seen[0]?.id]);
    e.observeStatus(up('h2'));
    e.observeStatus(up('h2'));
    expect(seen.map((a) => a.status)).toEqual(['firing', 'resolved']);
    const resolved = seen[1];
    expect(resolved?.id).toBe(seen[0]?.id);
    expect(resolved?.resolvedAt).not.toBeNull();
    expect(e.list()).toEqual({ current: [], recent: [resolved] });
    e.stop();
  });

  it('rules narrowed to a node or cluster ignore the others; list() hides clusters one may not see', async () => {
    const { e, seen } = engine([
      { name: 'h3-only', kind: 'node-unreachable', forSeconds: 0, nodes: ['h3'] },
      { name: 'other-cluster', kind: 'node-unreachable', forSeconds: 0, cluster: 'prod' },
    ]);
    e.observeStatus(down('h2'));
    expect(seen).toHaveLength(0);
    e.observeStatus(down('h3'));
    expect(seen.map((a) => a.rule)).toEqual(['h3-only']);
    expect(e.list((c) => c !== 'lab').current).toEqual([]);
    e.stop();
  });

  it('lag-bytes: over the threshold for the window fires; a vanished link resolves it', async () => {
    const { e, seen } = engine([{ name: 'lag', kind: 'lag-bytes', threshold: 1000, forSeconds: 0.08 }]);
    e.observeLinks({ cluster: 'lab', links: [link('h2', 5000), link('h3', 10)] });
    await sleep(40);
    e.observeLinks({ cluster: 'lab', links: [link('h2', 6000), link('h3', null)] });
    await sleep(60);
    expect(seen.map((a) => `${a.status} ${a.node} ${a.value}`)).toEqual(['firing h2 6000']);
    expect(seen[0]?.summary).toMatch(/standby lab\/h2 is 6000 bytes behind h1 \(limit 1000 bytes\)/);
    e.observeLinks({ cluster: 'lab', links: [link('h3', 10)] });
    expect(seen.map((a) => `${a.status} ${a.node}`)).toEqual(['firing h2', 'resolved h2']);
    expect(seen[1]?.summary).toMatch(/no longer streaming/);
    e.stop();
  });

  it('a base backup streaming from the primary (a clone) is no standby behind', () => {
    const { e, seen } = engine([{ name: 'lag', kind: 'lag-bytes', threshold: 1000, forSeconds: 0 }]);
    const backup = {
      ...link('h3', 10_000_000),
      standby: null,
      applicationName: 'pg_basebackup',
      state: 'backup',
    };
    e.observeLinks({ cluster: 'lab', links: [backup] });
    expect(seen).toEqual([]);
    e.stop();
  });

  it('lag-seconds: unknown lag (null) leaves the state alone; under the threshold resolves', async () => {
    const { e, seen } = engine([{ name: 'lag-s', kind: 'lag-seconds', threshold: 5, forSeconds: 0 }]);
    e.observeLinks({ cluster: 'lab', links: [link('h2', 0, 12.5)] });
    e.observeLinks({ cluster: 'lab', links: [link('h2', 0, null)] });
    expect(seen.map((a) => a.status)).toEqual(['firing']);
    e.observeLinks({ cluster: 'lab', links: [link('h2', 0, 1)] });
    expect(seen.map((a) => a.status)).toEqual(['firing', 'resolved']);
    e.stop();
  });

  it('archiver-failing and host-key-changed read the status; an unreachable node keeps the state', () => {
    const { e, seen } = engine([
      { name: 'arch', kind: 'archiver-failing', forSeconds: 0 },
      { name: 'key', kind: 'host-key-changed' },
    ]);
    const archiver = {
      archivedCount: 1,
      lastArchivedWal: null,
      lastArchivedTime: null,
      failedCount: 3,
      lastFailedWal: '000000010000000000000003',
      lastFailedTime: null,
      statsReset: null,
      failing: true,
      lastError: 'archive command failed with exit code 1',
    };
    e.observeStatus(nodeStatusFixture('h1', { archiver }));
    e.observeStatus(
      nodeStatusFixture('h1', { reachability: { ssh: 'up', pg: 'down', reason: 'x' }, archiver: null }),
    );
    e.observeStatus(
      nodeStatusFixture('h2', {
        hostKey: { state: 'mismatch', pinned: 'SHA256:a', offered: 'SHA256:b', offeredType: 'ssh-ed25519' },
      }),
    );
    expect(seen.map((a) => `${a.rule} ${a.status} ${a.node}`)).toEqual(['arch firing h1', 'key firing h2']);
    e.observeStatus(nodeStatusFixture('h1', { archiver: { ...archiver, failing: false } }));
    expect(seen.map((a) => `${a.rule} ${a.status}`)).toEqual(['arch firing', 'key firing', 'arch resolved']);
    e.stop();
  });

  it('operation-failed: fires on the failure (cluster-wide), once for two failures, resolved by a success', () => {
    const { e, seen } = engine([{ name: 'ops', kind: 'operation-failed' }]);
    e.observeOperation(op('a', 'running'));
    e.observeOperation(op('a', 'failed'));
    e.observeOperation(op('b', 'failed'));
    expect(seen.map((a) => `${a.status} ${a.node} ${a.value}`)).toEqual(['firing null rejoin']);
    expect(seen[0]?.summary).toMatch(/operation rejoin on lab\/h2 \(a\) failed: pg_rewind failed/);
    e.observeOperation(op('c', 'cancelled'));
    expect(seen).toHaveLength(1);
    e.observeOperation(op('d', 'succeeded'));
    expect(seen.map((a) => a.status)).toEqual(['firing', 'resolved']);
    e.stop();
  });
});
