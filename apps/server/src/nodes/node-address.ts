import type { NodeConfig } from '@walboard/shared/config';

/** The address the other nodes use for this node: peerHost, else host (ssh) or 127.0.0.1 (local). */
export function peerAddress(node: NodeConfig): string {
  if (node.peerHost) return node.peerHost;
  return node.transport === 'ssh' ? node.host : (node.postgres.host ?? '127.0.0.1');
}

/** A pg_hba address for one host: IPv4 /32, IPv6 /128, a host name as it is. */
export function hbaAddress(addr: string): string {
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(addr)) return `${addr}/32`;
  if (addr.includes(':')) return `${addr}/128`;
  return addr;
}

export interface SshTarget {
  user: string;
  host: string;
  port: number;
}

/** How another node reaches this one over ssh (the node user walboard logs in as); null for local nodes. */
export function sshTargetOf(node: NodeConfig): SshTarget | null {
  if (node.transport !== 'ssh') return null;
  return { user: node.ssh.user, host: peerAddress(node), port: node.ssh.port };
}

/** The name OpenSSH looks up in known_hosts for this target: `host`, or `[host]:port` off port 22. */
export function knownHostsName(t: SshTarget): string {
  return t.port === 22 ? t.host : `[${t.host}]:${t.port}`;
}
