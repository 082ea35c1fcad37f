import type { NodeStatus } from '@walboard/shared';
import { type PinHostKeyBody, pinHostKeyBodySchema } from '@walboard/shared/api';
import { RequestError } from '../../api/get-json.ts';
import type { MessageKey, MessageVars } from '../../i18n/catalog.ts';

/** What the node card shows when walboard will not connect to a node because of its host key. */
export interface HostKeyAlarm {
  cluster: string;
  node: string;
  state: 'unknown' | 'mismatch';
  pinned: string | null;
  offered: string | null;
  offeredType: string | null;
}

/** The alarm for a node, or null when its key is pinned and matches (or it has no ssh link). */
export function hostKeyAlarm(status: NodeStatus): HostKeyAlarm | null {
  const hk = status.hostKey;
  if (!hk || hk.state === 'pinned') return null;
  return {
    cluster: status.cluster,
    node: status.node,
    state: hk.state,
    pinned: hk.pinned,
    offered: hk.offered,
    offeredType: hk.offeredType,
  };
}

export function hostKeyPath(cluster: string, node: string): string {
  return `/api/clusters/${encodeURIComponent(cluster)}/nodes/${encodeURIComponent(node)}/host-key`;
}

/**
 * The pin request for the key the server offers, checked by the server's own schema; null when
 * nothing pinnable was offered (then there is nothing to compare, so nothing to pin).
 */
export function pinBody(alarm: HostKeyAlarm): PinHostKeyBody | null {
  const parsed = pinHostKeyBodySchema.safeParse({ fingerprint: alarm.offered });
  return parsed.success ? parsed.data : null;
}

/** The public key file of that type under /etc/ssh, for the command an admin runs on the server to compare. */
export function hostKeyFile(offeredType: string | null): string {
  if (offeredType?.startsWith('ecdsa-')) return '/etc/ssh/ssh_host_ecdsa_key.pub';
  if (offeredType === 'ssh-rsa' || offeredType?.startsWith('rsa-')) return '/etc/ssh/ssh_host_rsa_key.pub';
  return '/etc/ssh/ssh_host_ed25519_key.pub';
}

/** `ssh-keygen -lf <file>`, shown as text for the admin to type on the server's console. */
export function checkCommand(offeredType: string | null): string {
  return `ssh-keygen -lf ${hostKeyFile(offeredType)}`;
}

export interface PinProblem {
  key: MessageKey;
  vars?: MessageVars;
  sessionEnded?: boolean;
}

/** Why pinning failed, with what to do next. */
export function pinProblem(err: unknown): PinProblem {
  if (!(err instanceof RequestError)) {
    return {
      key: 'hostkeys.error.unexpected',
      vars: { message: err instanceof Error ? err.message : String(err) },
    };
  }
  const p = err.problem;
  if (p.kind === 'unreachable') return { key: 'hostkeys.error.unreachable' };
  if (p.kind === 'not-json') return { key: 'hostkeys.error.server', vars: { status: p.status, message: '' } };
  if (p.status === 401) return { key: 'hostkeys.error.session', sessionEnded: true };
  if (p.status === 403) return { key: 'hostkeys.error.forbidden' };
  // 409: the server offers another key by now; 503: it could not be asked; 400/404: refused. Its
  // message says which key it offers and what to compare.
  if (p.status < 500 || p.status === 503)
    return { key: 'hostkeys.error.refused', vars: { message: p.message } };
  return { key: 'hostkeys.error.server', vars: { status: p.status, message: p.message } };
}
