import type { NodeStatus, ReplicationLink, WalReceiver, WalSender } from '@walboard/shared/status';
import { nodeStatusFixture } from '@walboard/shared/testing';
import { describe, expect, it } from 'vitest';
import { deriveLinks, type LinkNode } from './links.ts';

const at = '2025-01-01T00:00:00.000Z';

function status(node: string, patch: Partial<NodeStatus> = {}): NodeStatus {
  return nodeStatusFixture(node, {
    host: '',
    role: 'standby',
    version: '15.18',
    versionNum: 150018,
    timeline: 1,
    receiveLsn: '0/3000148',
    replayLsn: '0/3000148',
    observedAt: at,
    ...patch,
  });
}

function sender(
  applicationName: string,
  clientAddr: string | null,
  patch: Partial<WalSender> = {},
): WalSender {
  return {
    pid: applicationName.length * 100 + (clientAddr?.length ?? 0),
    applicationName,
    clientAddr,
    state: 'streaming',
    sentLsn: '0/3000148',
    writeLsn: '0/3000148',
    flushLsn: '0/3000148',
    replayLsn: '0/3000148',
    writeLagMs: null,
    flushLagMs: null,
    replayLagMs: null,
    syncState: 'async',
    replyTime: at,
    ...patch,
  };
}

function receiver(senderHost: string | null, senderPort: number | null, status = 'streaming'): WalReceiver {
  return {
    pid: 42,
    status,
    senderHost,
    senderPort,
    receivedLsn: '0/3000148',
    receivedTli: 1,
    lastMsgSendTime: at,
    lastMsgReceiptTime: at,
    latestEndLsn: '0/3000148',
    latestEndTime: at,
    slotName: null,
  };
}

const ssh = (s: NodeStatus, host: string, extra: Partial<LinkNode> = {}): LinkNode => ({
  status: s,
  host,
  transport: 'ssh',
  pgPort: 5432,
  restoreCommandSet: null,
  ...extra,
});

const primary = (senders: WalSender[], patch: Partial<NodeStatus> = {}) =>
  status('h1', {
    role: 'primary',
    currentLsn: '0/3000148',
    receiveLsn: null,
    replayLsn: null,
    senders,
    ...patch,
  });

const down = {
  reachability: { ssh: 'down' as const, pg: 'down' as const, reason: 'cut off' },
  role: 'unknown' as const,
};

describe('deriveLinks', () => {
  it('matches a sender to the node named by its application_name', () => {
    const links = deriveLinks(
      [
        ssh(primary([sender('h2', '10.0.0.9')]), '10.0.0.1'),
        ssh(status('h2'), '10.0.0.2', { restoreCommandSet: true }),
      ],
      [],
    );
    expect(links).toEqual([
      {
        primary: 'h1',
        standby: 'h2',
        applicationName: 'h2',
        clientAddr: '10.0.0.9',
        streaming: true,
        archiveShipping: true,
        state: 'streaming',
        lag: { replayBytes: 0, flushBytes: 0, replaySeconds: 0, secondsSource: 'caught-up' },
      },
    ] satisfies ReplicationLink[]);
  });

  it("else by client_addr = an ssh node's host (pg_basebackup -R leaves application_name 'walreceiver')", () => {
    const links = deriveLinks(
      [ssh(primary([sender('walreceiver', '10.0.0.2')]), '10.0.0.1'), ssh(status('h2'), '10.0.0.2')],
      [],
    );
    expect(links.map((l) => [l.standby, l.applicationName])).toEqual([['h2', 'walreceiver']]);
  });

  it('keeps an unmatched sender with standby null, and computes its byte lag from the sender alone', () => {
    const s = sender('pg_basebackup', '10.9.9.9', { state: 'backup', replayLsn: null, flushLsn: null });
    const t = sender('mystery', '10.9.9.8', { replayLsn: '0/3000000' });
    const links = deriveLinks([ssh(primary([s, t]), '10.0.0.1')], []);
    expect(links.map((l) => [l.standby, l.applicationName, l.streaming])).toEqual([
      [null, 'mystery', true],
      [null, 'pg_basebackup', false],
    ]);
    expect(links[0]?.lag.replayBytes).toBe(0x148);
  });

  it('local nodes share 127.0.0.1: a lone sender is paired with the lone standby whose receiver points at the primary', () => {
    const p: LinkNode = {
      ...ssh(primary([sender('walreceiver', '127.0.0.1')]), 'localhost'),
      transport: 'local',
      pgPort: 5433,
    };
    const sb: LinkNode = {
      ...ssh(status('h2', { receiver: receiver('/tmp/lab', 5433) }), 'localhost'),
      transport: 'local',
      pgPort: 5434,
    };
    const links = deriveLinks([p, sb], []);
    expect(links.map((l) => [l.primary, l.standby, l.streaming])).toEqual([['h1', 'h2', true]]);
  });

  it('a standby whose receiver names the primary but is not streaming still gets a (non-streaming) link', () => {
    const sb = ssh(status('h2', { receiver: receiver('10.0.0.1', 5432, 'waiting') }), '10.0.0.2');
    const other = ssh(status('h3', { receiver: receiver('10.0.0.99', 5432, 'waiting') }), '10.0.0.3');
    const links = deriveLinks([ssh(primary([]), '10.0.0.1'), sb, other], []);
    expect(links.map((l) => [l.standby, l.streaming, l.state])).toEqual([['h2', false, null]]);
    // Bytes from the standby's own replay LSN; the primary is at the same place.
    expect(links[0]?.lag.replayBytes).toBe(0);
  });

  it('keeps a known link while the standby is down, and while the primary is down', () => {
    const nodes = [ssh(primary([sender('h2', '10.0.0.2')]), '10.0.0.1'), ssh(status('h2'), '10.0.0.2')];
    const before = deriveLinks(nodes, []);
    const standbyDown = deriveLinks(
      [ssh(primary([]), '10.0.0.1'), ssh(status('h2', down), '10.0.0.2')],
      before,
    );
    expect(standbyDown.map((l) => [l.primary, l.standby, l.streaming])).toEqual([['h1', 'h2', false]]);
    expect(standbyDown[0]?.lag).toEqual({
      replayBytes: null,
      flushBytes: null,
      replaySeconds: null,
      secondsSource: 'unknown',
    });
    const primaryDown = deriveLinks(
      [ssh(status('h1', down), '10.0.0.1'), ssh(status('h2'), '10.0.0.2')],
      standbyDown,
    );
    expect(primaryDown.map((l) => [l.primary, l.standby, l.streaming])).toEqual([['h1', 'h2', false]]);
  });

  it('drops a remembered link once a role contradicts it (the standby was promoted)', () => {
    const before = deriveLinks(
      [ssh(primary([sender('h2', '10.0.0.2')]), '10.0.0.1'), ssh(status('h2'), '10.0.0.2')],
      [],
    );
    const promoted = status('h2', { role: 'primary', currentLsn: '0/4000000' });
    expect(deriveLinks([ssh(status('h1', down), '10.0.0.1'), ssh(promoted, '10.0.0.2')], before)).toEqual([]);
  });

  it('lists links in a stable order whatever the order of the nodes', () => {
    const nodes = [
      ssh(primary([sender('h3', '10.0.0.3'), sender('h2', '10.0.0.2')]), '10.0.0.1'),
      ssh(status('h2'), '10.0.0.2'),
      ssh(status('h3'), '10.0.0.3'),
    ];
    const a = deriveLinks(nodes, []);
    expect(a.map((l) => l.standby)).toEqual(['h2', 'h3']);
    expect(deriveLinks([...nodes].reverse(), [])).toEqual(a);
  });

  describe('cascading: a standby fed by another standby', () => {
    // h1 primary → h2 standby → h3 standby (h3's receiver names h2; h2's sender serves h3).
    const h1 = () => ssh(primary([sender('h2', '10.0.0.2')], { currentLsn: '0/5000000' }), '10.0.0.1');
    const h2 = (patch: Partial<NodeStatus> = {}) =>
      ssh(
        status('h2', {
          receiveLsn: '0/5000000',
          replayLsn: '0/4F00000',
          receiver: receiver('10.0.0.1', 5432),
          senders: [sender('h3', '10.0.0.3', { flushLsn: '0/4E00000', replayLsn: '0/4E00000' })],
          ...patch,
        }),
        '10.0.0.2',
      );
    const h3 = (patch: Partial<NodeStatus> = {}) =>
      ssh(
        status('h3', {
          receiveLsn: '0/4E00000',
          replayLsn: '0/4E00000',
          receiver: receiver('10.0.0.2', 5432),
          ...patch,
        }),
        '10.0.0.3',
      );

    it('draws h2 → h3 with h2 as the upstream, beside h1 → h2', () => {
      const links = deriveLinks([h1(), h2(), h3()], []);
      expect(links.map((l) => [l.primary, l.standby, l.streaming])).toEqual([
        ['h1', 'h2', true],
        ['h2', 'h3', true],
      ]);
    });

    it('no archive edge from a standby: the cascaded standby restores from what the primary ships', () => {
      const links = deriveLinks(
        [h1(), { ...h2(), restoreCommandSet: true }, { ...h3(), restoreCommandSet: true }],
        [],
      );
      expect(links.map((l) => [l.primary, l.standby, l.archiveShipping])).toEqual([
        ['h1', 'h2', true],
        ['h2', 'h3', false],
      ]);
    });

    it('whatever the order of walboard.yaml', () => {
      const a = deriveLinks([h1(), h2(), h3()], []);
      expect(deriveLinks([h3(), h2(), h1()], [])).toEqual(a);
    });

    it("lag of the cascaded standby is measured against its upstream's received WAL", () => {
      const link = deriveLinks([h1(), h2(), h3()], []).find((l) => l.standby === 'h3');
      // h2 received up to 0/5000000; h3 replayed 0/4E00000: 2 MiB behind h2.
      expect(link?.lag.replayBytes).toBe(0x200000);
      expect(link?.lag.flushBytes).toBe(0x200000);
    });

    it('a cascaded standby whose receiver names the upstream standby but does not stream still gets its edge', () => {
      const links = deriveLinks(
        [h1(), h2({ senders: [] }), h3({ receiver: receiver('10.0.0.2', 5432, 'waiting') })],
        [],
      );
      expect(links.map((l) => [l.primary, l.standby, l.streaming])).toEqual([
        ['h1', 'h2', true],
        ['h2', 'h3', false],
      ]);
    });

    it('keeps the cascading edge while h3 is down, and drops it once h3 streams from h1 directly', () => {
      const before = deriveLinks([h1(), h2(), h3()], []);
      const h3Down = deriveLinks([h1(), h2({ senders: [] }), ssh(status('h3', down), '10.0.0.3')], before);
      expect(h3Down.map((l) => [l.primary, l.standby, l.streaming])).toEqual([
        ['h1', 'h2', true],
        ['h2', 'h3', false],
      ]);
      const direct = deriveLinks(
        [
          ssh(primary([sender('h2', '10.0.0.2'), sender('h3', '10.0.0.3')]), '10.0.0.1'),
          h2({ senders: [] }),
          h3({ receiver: receiver('10.0.0.1', 5432) }),
        ],
        h3Down,
      );
      expect(direct.map((l) => [l.primary, l.standby])).toEqual([
        ['h1', 'h2'],
        ['h1', 'h3'],
      ]);
    });
  });
});
