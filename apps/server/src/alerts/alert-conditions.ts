import type { AlertKind } from '@walboard/shared/config';
import type { Operation } from '@walboard/shared/operations';
import type { NodeStatus, ReplicationLink } from '@walboard/shared/status';
import type { Observation } from './condition-tracker.ts';

/** How long each kind must hold before it fires when the rule gives no forSeconds. */
export const DEFAULT_FOR_SECONDS: Record<AlertKind, number> = {
  'lag-bytes': 60,
  'lag-seconds': 60,
  'archiver-failing': 60,
  'node-unreachable': 30,
  'host-key-changed': 0,
  'operation-failed': 0,
};

const where = (s: { cluster: string; node: string }) => `${s.cluster}/${s.node}`;

/**
 * What a node's status says about a status-fed kind; null when the status cannot tell (the
 * archiver of a node that does not answer is unknown, not "fixed"), so the state stays as it is.
 */
export function observeStatus(kind: AlertKind, s: NodeStatus): Observation | null {
  const { ssh, pg, reason } = s.reachability;
  switch (kind) {
    case 'node-unreachable': {
      const down = (ssh !== null && ssh !== 'up') || pg !== 'up';
      const how = `ssh ${ssh ?? 'n/a (local node)'}, PostgreSQL ${pg}`;
      return down
        ? {
            holds: true,
            value: how,
            summary: `${where(s)} is unreachable (${how})${reason ? `: ${reason}` : ''}`,
          }
        : { holds: false, value: how, summary: `${where(s)} is reachable again (${how})` };
    }
    case 'archiver-failing': {
      if (pg !== 'up' || s.archiver === null) return null;
      const a = s.archiver;
      return a.failing
        ? {
            holds: true,
            value: a.lastFailedWal,
            summary: `the archiver of ${where(s)} is failing (${a.failedCount} failures, last on ${a.lastFailedWal ?? 'unknown WAL'}): WAL piles up on the node${a.lastError ? `. ${a.lastError}` : ''}`,
          }
        : {
            holds: false,
            value: a.lastArchivedWal,
            summary: `the archiver of ${where(s)} archives again (last: ${a.lastArchivedWal ?? 'none yet'})`,
          };
    }
    case 'host-key-changed': {
      if (!s.hostKey) return null;
      const k = s.hostKey;
      return k.state === 'mismatch'
        ? {
            holds: true,
            value: k.offered,
            summary: `${where(s)} offered another ssh host key (${k.offered ?? 'unknown'}) than the pinned one (${k.pinned ?? 'none'}): walboard stopped connecting to it; compare and pin the new key if the change is expected`,
          }
        : { holds: false, value: k.offered, summary: `${where(s)} offers its pinned ssh host key again` };
    }
    default:
      return null;
  }
}

/** The node a link's lag is about: the configured standby, else what the sender calls itself. */
export function linkNode(l: ReplicationLink): string | null {
  return l.standby ?? l.applicationName ?? l.clientAddr;
}

const MIB = 1024 * 1024;
const bytesText = (b: number) => (b >= MIB ? `${(b / MIB).toFixed(1)} MiB` : `${b} bytes`);

/** A link's lag against a lag rule's threshold; null when the lag is unknown right now. */
export function observeLag(
  kind: 'lag-bytes' | 'lag-seconds',
  threshold: number,
  cluster: string,
  l: ReplicationLink,
): Observation | null {
  const node = linkNode(l);
  const value = kind === 'lag-bytes' ? l.lag.replayBytes : l.lag.replaySeconds;
  if (node === null || value === null) return null;
  const shown = kind === 'lag-bytes' ? bytesText(value) : `${value.toFixed(1)} s`;
  const limit = kind === 'lag-bytes' ? bytesText(threshold) : `${threshold} s`;
  return value > threshold
    ? {
        holds: true,
        value,
        summary: `standby ${cluster}/${node} is ${shown} behind ${l.primary} (limit ${limit})`,
      }
    : {
        holds: false,
        value,
        summary: `standby ${cluster}/${node} is back under the limit (${shown} behind, limit ${limit})`,
      };
}

/** A standby no longer streamed to: its lag is not measured any more, the lag alert ends. */
export function lagGone(cluster: string, node: string): Observation {
  return {
    holds: false,
    value: null,
    summary: `standby ${cluster}/${node} is no longer streaming, so its lag is not measured (a node-unreachable rule covers a lost node)`,
  };
}

/**
 * Operations: the condition is "the cluster's last finished operation failed". It ends when a
 * later operation of the cluster succeeds. Running operations say nothing.
 */
export function observeOperation(op: Operation): Observation | null {
  // interrupted: walboard stopped mid-way (restart), the cluster may be half-changed just the same.
  if (op.state === 'failed' || op.state === 'interrupted') {
    return {
      holds: true,
      value: op.type,
      summary: `operation ${op.type} on ${op.cluster}/${op.node} (${op.id}) ${op.state}: ${op.message}${op.nextAction ? ` Next: ${op.nextAction}` : ''}`,
    };
  }
  if (op.state === 'succeeded') {
    return {
      holds: false,
      value: op.type,
      summary: `operation ${op.type} on ${op.cluster}/${op.node} (${op.id}) succeeded after the failure`,
    };
  }
  return null;
}
