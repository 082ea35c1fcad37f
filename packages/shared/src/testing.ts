import { type NodeStatus, nodeStatusSchema } from './status.ts';

/**
 * A NodeStatus for tests (server and web alike), checked against the schema: a reachable ssh node
 * with every optional part empty. Tests state only what they are about in `patch`.
 * Test-only: nothing in the product imports this module.
 */
export function nodeStatusFixture(node: string, patch: Partial<NodeStatus> = {}): NodeStatus {
  return nodeStatusSchema.parse({
    cluster: 'lab',
    node,
    transport: 'ssh',
    host: '10.0.0.1',
    reachability: { ssh: 'up', pg: 'up', reason: null },
    role: 'unknown',
    version: null,
    versionNum: null,
    timeline: null,
    currentLsn: null,
    receiveLsn: null,
    replayLsn: null,
    lastReplayTimestamp: null,
    senders: [],
    receiver: null,
    archiver: null,
    readyFiles: null,
    observedAt: '2025-01-01T00:00:00.000Z',
    ...patch,
  });
}
