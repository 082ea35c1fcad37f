import { describe, expect, it } from 'vitest';
import { nodeStatus, replicationLink } from './history-fixtures.test-support.ts';
import { layoutTopology, NODE_H, NODE_W } from './topology-layout.ts';

const standby = (node: string) =>
  nodeStatus(node, { role: 'standby', currentLsn: null, replayLsn: '0/3000060' });

describe('layoutTopology', () => {
  it('draws two unconnected primaries side by side, without edges (the lab before replication)', () => {
    const l = layoutTopology([nodeStatus('h1'), nodeStatus('h2')], []);
    expect(l.edges).toEqual([]);
    const [a, b] = l.nodes;
    expect([a?.id, b?.id]).toEqual(['h1', 'h2']);
    expect(a?.y).toBe(b?.y);
    expect((b?.x ?? 0) - (a?.x ?? 0)).toBeGreaterThanOrEqual(NODE_W);
  });

  it('puts the primary left of its standbys, centred on them, one edge per link', () => {
    const l = layoutTopology(
      [nodeStatus('h1'), standby('h2'), standby('h3')],
      [replicationLink('h1', 'h2'), replicationLink('h1', 'h3')],
    );
    const at = new Map(l.nodes.map((n) => [n.id, n]));
    const [h1, h2, h3] = ['h1', 'h2', 'h3'].map((n) => at.get(n));
    expect(h1 && h2 && h3).toBeTruthy();
    expect(h2?.x).toBeGreaterThan(h1?.x ?? 0);
    expect(h2?.x).toBe(h3?.x);
    expect(h1?.y).toBe(((h2?.y ?? 0) + (h3?.y ?? 0)) / 2);
    expect(l.edges.map((e) => `${e.primary}>${e.standby}:${e.kind}`)).toEqual([
      'h1>h2:streaming',
      'h1>h3:streaming',
    ]);
    // Edges run from the primary's right side to the standby's left side.
    expect(l.edges[0]?.from.x).toBe((h1?.x ?? 0) + NODE_W / 2);
    expect(l.edges[0]?.to.x).toBe((h2?.x ?? 0) - NODE_W / 2);
    expect(l.width).toBeGreaterThanOrEqual((h2?.x ?? 0) + NODE_W / 2);
    expect(l.height).toBeGreaterThanOrEqual((h3?.y ?? 0) + NODE_H / 2);
  });

  it('draws streaming and archive shipping of one pair as two separate edges', () => {
    const l = layoutTopology(
      [nodeStatus('h1'), standby('h2')],
      [replicationLink('h1', 'h2', { archiveShipping: true })],
    );
    expect(l.edges.map((e) => e.kind)).toEqual(['streaming', 'archive']);
    const [s, a] = l.edges;
    expect(s?.from.y).not.toBe(a?.from.y);
  });

  it('draws an archive-only standby with an archive edge, and a cut link as an inactive one', () => {
    const archiveOnly = layoutTopology(
      [nodeStatus('h1'), standby('h2')],
      [replicationLink('h1', 'h2', { streaming: false, archiveShipping: true, state: null })],
    );
    expect(archiveOnly.edges.map((e) => [e.kind, e.active])).toEqual([['archive', true]]);
    const cut = layoutTopology(
      [nodeStatus('h1'), standby('h2')],
      [replicationLink('h1', 'h2', { streaming: false, state: null })],
    );
    expect(cut.edges.map((e) => [e.kind, e.active])).toEqual([['streaming', false]]);
  });

  it('marks an unreachable node, and keeps a node with no link standalone next to a pair', () => {
    const l = layoutTopology(
      [
        nodeStatus('h1'),
        standby('h2'),
        nodeStatus('h3', {
          reachability: { ssh: 'down', pg: 'down', reason: 'ssh: timed out' },
          role: 'unknown',
        }),
      ],
      [replicationLink('h1', 'h2')],
    );
    const h3 = l.nodes.find((n) => n.id === 'h3');
    expect(h3?.reachable).toBe(false);
    expect(h3?.role).toBe('unknown');
    expect(h3?.y).toBeGreaterThan(l.nodes.find((n) => n.id === 'h2')?.y ?? 0);
    expect(l.nodes.find((n) => n.id === 'h2')?.reachable).toBe(true);
  });

  it('shows a standby walboard does not know under its application_name, and skips pg_basebackup', () => {
    const l = layoutTopology(
      [nodeStatus('h1')],
      [
        replicationLink('h1', null, { applicationName: 'reporting', clientAddr: '10.9.9.9' }),
        replicationLink('h1', null, { applicationName: 'pg_basebackup', state: 'backup' }),
      ],
    );
    const seen = l.nodes.map((n) => [n.id, n.status === null, n.clientAddr]).sort();
    expect(seen).toEqual([
      ['h1', false, null],
      ['reporting', true, '10.9.9.9'],
    ]);
    expect(l.edges.map((e) => e.standby)).toEqual(['reporting']);
  });

  it('places a cascade one column further, and survives a cycle', () => {
    const l = layoutTopology(
      [nodeStatus('h1'), standby('h2'), standby('h3')],
      [replicationLink('h1', 'h2'), replicationLink('h2', 'h3')],
    );
    const x = new Map(l.nodes.map((n) => [n.id, n.x]));
    expect((x.get('h3') ?? 0) > (x.get('h2') ?? 0) && (x.get('h2') ?? 0) > (x.get('h1') ?? 0)).toBe(true);
    const cyc = layoutTopology(
      [standby('a'), standby('b')],
      [replicationLink('a', 'b'), replicationLink('b', 'a')],
    );
    expect(cyc.nodes.map((n) => n.id).sort()).toEqual(['a', 'b']);
    expect(cyc.edges).toHaveLength(2);
  });
});
