import type { HostKeyList } from '@walboard/shared/api';
import type { HostKeyStatus } from '@walboard/shared/status';
import type { AuditLog } from '../audit/audit-log.ts';
import type { HostKeyStore } from '../store/host-key-store.ts';
import type { OfferedKey } from './host-key-pin.ts';
import type { NodeSession } from './node-session.ts';
import { SshTransport } from './ssh-transport.ts';

export type PinOutcome =
  | { kind: 'ok'; status: HostKeyStatus; connected: boolean }
  | { kind: 'no-cluster' }
  | { kind: 'no-node' }
  | { kind: 'not-ssh' }
  /** The server offers another key right now: the admin compared (or was shown) something else. */
  | { kind: 'not-offered'; offered: OfferedKey }
  /** The server could not be asked which key it offers. */
  | { kind: 'unreachable'; reason: string };

/**
 * Watches every ssh node's host key: records one audit entry when a node's key stops matching its
 * pin (the transport stops itself), and pins keys for admins, in the store and the live transport.
 */
export class HostKeyGuard {
  private readonly unsubscribe: (() => void)[] = [];

  constructor(
    private readonly sessions: readonly NodeSession[],
    private readonly store: HostKeyStore,
    private readonly audit: AuditLog,
  ) {
    for (const s of sessions) {
      const t = s.transport;
      if (!(t instanceof SshTransport)) continue;
      let previous: HostKeyStatus['state'] | null = null;
      const watch = (status: HostKeyStatus) => {
        // Transitions only: the transport stops on a mismatch, but even if something dialled again
        // the same mismatch must not fill the audit log.
        if (status.state === 'mismatch' && previous !== 'mismatch') this.recordChanged(s, status);
        previous = status.state;
      };
      // Transports start connecting when built: a mismatch may already be there.
      watch(t.hostKeyStatus());
      this.unsubscribe.push(t.onHostKeyChange(watch));
    }
  }

  /** Each ssh node's host key state; null when the cluster does not exist. */
  list(cluster: string): HostKeyList | null {
    const inCluster = this.sessions.filter((s) => s.cluster === cluster);
    if (inCluster.length === 0) return null;
    const nodes: HostKeyList['nodes'] = [];
    for (const s of inCluster) {
      if (s.transport instanceof SshTransport)
        nodes.push({ node: s.name, host: s.host, hostKey: s.transport.hostKeyStatus() });
    }
    return { nodes };
  }

  /**
   * Pins `fingerprint` for one node, only if the server offers exactly that key right now (asked
   * again here, over a connection that carries no credentials), then reconnects the node.
   */
  async pin(cluster: string, node: string, fingerprint: string, by: string): Promise<PinOutcome> {
    if (!this.sessions.some((s) => s.cluster === cluster)) return { kind: 'no-cluster' };
    const session = this.sessions.find((s) => s.cluster === cluster && s.name === node);
    if (!session) return { kind: 'no-node' };
    const t = session.transport;
    if (!(t instanceof SshTransport)) return { kind: 'not-ssh' };
    let offered: OfferedKey;
    try {
      offered = await t.probeHostKey();
    } catch (err) {
      return { kind: 'unreachable', reason: (err as Error).message };
    }
    if (offered.fingerprint !== fingerprint) return { kind: 'not-offered', offered };
    const pinnedAt = new Date().toISOString();
    this.store.set({ cluster, node, fingerprint, pinnedBy: by, pinnedAt });
    await t.pinHostKey(fingerprint, `pinned by ${by} on ${pinnedAt}`);
    return { kind: 'ok', status: t.hostKeyStatus(), connected: t.isUp() };
  }

  close(): void {
    for (const off of this.unsubscribe.splice(0)) off();
  }

  private recordChanged(s: NodeSession, status: HostKeyStatus): void {
    const target = `${s.cluster}/${s.name}`;
    this.audit.record({
      actor: null,
      source: 'walboard',
      action: 'hostkey.changed',
      target,
      detail: { pinned: status.pinned, offered: status.offered, offeredType: status.offeredType },
      result: 'refused',
      message:
        `the SSH host key of ${target} (${s.host}) changed: the server offered ${status.offeredType} ` +
        `${status.offered}, the pinned key is ${status.pinned}. walboard refused it before authenticating ` +
        'and stopped connecting to the node until an admin pins a key.',
    });
  }
}
