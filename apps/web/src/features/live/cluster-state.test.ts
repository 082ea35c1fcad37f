import type { NodeStatus, ReplicationLink } from '@walboard/shared';
import { nodeStatusFixture } from '@walboard/shared/testing';
import { describe, expect, it } from 'vitest';
import { type ClusterLiveState, clusterLiveReducer, initialClusterLiveState } from './cluster-state.ts';

function status(node: string, patch: Partial<NodeStatus> = {}): NodeStatus {
  return nodeStatusFixture(node, {
    host: `10.0.0.${node.length}`,
    role: 'standby',
    version: '15.18 (Debian 15.18-0+deb12u1)',
    versionNum: 150018,
    timeline: 1,
    receiveLsn: '0/3000148',
    replayLsn: '0/3000148',
    ...patch,
  });
}

function following(cluster: string): ClusterLiveState {
  return clusterLiveReducer(initialClusterLiveState, { type: 'select', cluster });
}

function loaded(...nodes: NodeStatus[]): ClusterLiveState {
  return clusterLiveReducer(following('lab'), {
    type: 'snapshot',
    snapshot: { cluster: 'lab', nodes, links: [] },
  });
}

const names = (s: ClusterLiveState) => [...s.nodes.keys()];

describe('clusterLiveReducer', () => {
  it('starts empty and not loaded after selecting a cluster', () => {
    const s = following('lab');
    expect(s).toEqual({ cluster: 'lab', loaded: false, nodes: new Map(), links: [] });
  });

  it('keeps the same state object when the same cluster is selected again', () => {
    const s = loaded(status('h1'));
    expect(clusterLiveReducer(s, { type: 'select', cluster: 'lab' })).toBe(s);
  });

  it('forgets the nodes when another cluster is selected', () => {
    const s = clusterLiveReducer(loaded(status('h1')), { type: 'select', cluster: 'other' });
    expect(s).toEqual({ cluster: 'other', loaded: false, nodes: new Map(), links: [] });
  });

  it('loads a snapshot in its order', () => {
    const s = loaded(status('h2'), status('h1'));
    expect(s.loaded).toBe(true);
    expect(names(s)).toEqual(['h2', 'h1']);
  });

  it('marks an empty snapshot as loaded (a cluster without nodes is not "waiting")', () => {
    const s = loaded();
    expect(s.loaded).toBe(true);
    expect(s.nodes.size).toBe(0);
  });

  it('ignores a snapshot or a status of another cluster', () => {
    const s = loaded(status('h1'));
    const otherSnap = { cluster: 'old', nodes: [status('x', { cluster: 'old' })], links: [] };
    expect(clusterLiveReducer(s, { type: 'snapshot', snapshot: otherSnap })).toBe(s);
    expect(clusterLiveReducer(s, { type: 'status', status: status('h1', { cluster: 'old' }) })).toBe(s);
  });

  it('ignores everything while no cluster is selected', () => {
    const snap = { cluster: 'lab', nodes: [status('h1')], links: [] };
    expect(clusterLiveReducer(initialClusterLiveState, { type: 'snapshot', snapshot: snap })).toBe(
      initialClusterLiveState,
    );
  });

  it('replaces only the changed node, keeping order and the other entries as they were', () => {
    const h1 = status('h1', { role: 'primary', currentLsn: '0/3000060' });
    const h2 = status('h2');
    const s = loaded(h1, h2);
    const update = status('h1', {
      role: 'primary',
      currentLsn: '0/30001A0',
      observedAt: '2025-01-01T00:00:01.000Z',
    });
    const next = clusterLiveReducer(s, { type: 'status', status: update });
    expect(names(next)).toEqual(['h1', 'h2']);
    expect(next.nodes.get('h1')).toBe(update);
    expect(next.nodes.get('h2')).toBe(h2);
  });

  it('does not mutate the previous state', () => {
    const h1 = status('h1');
    const s = loaded(h1);
    const before = new Map(s.nodes);
    clusterLiveReducer(s, { type: 'status', status: status('h1', { observedAt: '2025-01-01T00:00:05Z' }) });
    clusterLiveReducer(s, { type: 'status', status: status('h9') });
    expect(s.nodes).toEqual(before);
    expect(s.nodes.get('h1')).toBe(h1);
  });

  it('appends a status for a node the snapshot did not have', () => {
    const next = clusterLiveReducer(loaded(status('h1')), { type: 'status', status: status('h3') });
    expect(names(next)).toEqual(['h1', 'h3']);
  });

  it('never replaces an observation with an older one', () => {
    const s = loaded(status('h1', { observedAt: '2025-01-01T00:00:10.000Z', timeline: 2 }));
    const stale = status('h1', { observedAt: '2025-01-01T00:00:09.000Z', timeline: 1 });
    expect(clusterLiveReducer(s, { type: 'status', status: stale })).toBe(s);
  });

  it('keeps a newer status received before the snapshot, and drops nodes the snapshot no longer has', () => {
    const newer = status('h1', { observedAt: '2025-01-01T00:00:10.000Z' });
    let s = clusterLiveReducer(following('lab'), { type: 'status', status: newer });
    expect(s.loaded).toBe(false);
    s = clusterLiveReducer(s, { type: 'status', status: status('gone') });
    s = clusterLiveReducer(s, {
      type: 'snapshot',
      snapshot: { cluster: 'lab', nodes: [status('h1'), status('h2')], links: [] },
    });
    expect(names(s)).toEqual(['h1', 'h2']);
    expect(s.nodes.get('h1')).toBe(newer);
  });

  it('takes a fresh snapshot after a reconnect as the new truth', () => {
    const s = loaded(status('h1', { role: 'primary' }), status('h2'));
    const after = clusterLiveReducer(s, {
      type: 'snapshot',
      snapshot: {
        cluster: 'lab',
        nodes: [status('h2', { role: 'primary', timeline: 2, observedAt: '2025-01-01T00:01:00Z' })],
        links: [],
      },
    });
    expect(names(after)).toEqual(['h2']);
    expect(after.nodes.get('h2')?.role).toBe('primary');
  });

  it('handles a node named __proto__ like any other', () => {
    const s = loaded(status('__proto__'));
    expect(names(s)).toEqual(['__proto__']);
    expect(s.nodes.get('__proto__')?.node).toBe('__proto__');
  });

  describe('links', () => {
    const link = (standby: string, replayBytes: number): ReplicationLink => ({
      primary: 'h1',
      standby,
      applicationName: standby,
      clientAddr: '10.0.0.2',
      streaming: true,
      archiveShipping: false,
      state: 'streaming',
      lag: { replayBytes, flushBytes: replayBytes, replaySeconds: 0, secondsSource: 'caught-up' },
    });

    it('keeps the links of the snapshot', () => {
      const s = clusterLiveReducer(following('lab'), {
        type: 'snapshot',
        snapshot: { cluster: 'lab', nodes: [status('h1'), status('h2')], links: [link('h2', 0)] },
      });
      expect(s.links).toEqual([link('h2', 0)]);
    });

    it("replaces them with each 'cluster:links' event of the followed cluster, keeping the nodes", () => {
      const s = loaded(status('h1'), status('h2'));
      const next = clusterLiveReducer(s, {
        type: 'links',
        event: { cluster: 'lab', links: [link('h2', 8192)] },
      });
      expect(next.links[0]?.lag.replayBytes).toBe(8192);
      expect(next.nodes).toBe(s.nodes);
      const emptied = clusterLiveReducer(next, { type: 'links', event: { cluster: 'lab', links: [] } });
      expect(emptied.links).toEqual([]);
    });

    it('ignores links of another cluster, and keeps links when a node status arrives', () => {
      const s = clusterLiveReducer(loaded(status('h1')), {
        type: 'links',
        event: { cluster: 'lab', links: [link('h2', 1)] },
      });
      expect(clusterLiveReducer(s, { type: 'links', event: { cluster: 'old', links: [] } })).toBe(s);
      const after = clusterLiveReducer(s, {
        type: 'status',
        status: status('h1', { observedAt: '2025-01-01T00:00:03Z' }),
      });
      expect(after.links).toBe(s.links);
    });

    it('forgets the links when another cluster is selected', () => {
      const s = clusterLiveReducer(loaded(status('h1')), {
        type: 'links',
        event: { cluster: 'lab', links: [link('h2', 1)] },
      });
      expect(clusterLiveReducer(s, { type: 'select', cluster: 'other' }).links).toEqual([]);
    });
  });
});
