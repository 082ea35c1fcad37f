import { type NodeStatus, type ReplicationLink, replicationLinkSchema } from '@walboard/shared';
import { nodeStatusFixture } from '@walboard/shared/testing';

/** A node status as the controller sends it, checked against the shared schema. */
export function nodeStatus(node: string, patch: Partial<NodeStatus> = {}): NodeStatus {
  return nodeStatusFixture(node, {
    role: 'primary',
    version: '15.18',
    versionNum: 150018,
    timeline: 1,
    currentLsn: '0/3000060',
    observedAt: '2026-11-25T10:00:00.000Z',
    ...patch,
  });
}

/** A link as the controller sends it, checked against the shared schema. */
export function replicationLink(
  primary: string,
  standby: string | null,
  patch: Partial<ReplicationLink> = {},
): ReplicationLink {
  return replicationLinkSchema.parse({
    primary,
    standby,
    applicationName: standby ?? 'walreceiver',
    clientAddr: '10.0.0.2',
    streaming: true,
    archiveShipping: false,
    state: 'streaming',
    lag: { replayBytes: 0, flushBytes: 0, replaySeconds: 0, secondsSource: 'caught-up' },
    ...patch,
  });
}
