import type { NodeConfig } from '@walboard/shared/config';
import type { Capabilities } from '../postgres/capabilities.ts';
import type { ClusterReader, ServerFacts } from './cluster-reader.ts';
import { PlanRefusal } from './plan-types.ts';

/** Paths and names the replication operations agree on. */

export const sshDirOf = (home: string) => `${home}/.ssh`;
export const sshKeyOf = (home: string) => `${home}/.ssh/id_ed25519`;
export const authorizedKeysOf = (home: string) => `${home}/.ssh/authorized_keys`;
export const knownHostsOf = (home: string) => `${home}/.ssh/known_hosts`;
/** The password file the node's user reads as a client: postgres.passfile, else ~/.pgpass. */
export const pgpassOf = (node: NodeConfig, home: string) => node.postgres.passfile ?? `${home}/.pgpass`;

/** The file whose creation promotes a standby (versions ≤ 15): inside the data directory, which only the server's user may write. */
export const triggerFileOf = (node: NodeConfig) =>
  `${node.postgres.dataDir.replace(/\/+$/, '')}/promote.trigger`;

/** Beside the data directory: where a new copy is assembled, and where the replaced one is kept. */
export const stagingDirOf = (node: NodeConfig) => `${node.postgres.dataDir.replace(/\/+$/, '')}.walboard-new`;
export const asideDirOf = (node: NodeConfig, now: Date) =>
  `${node.postgres.dataDir.replace(/\/+$/, '')}.walboard-old-${now.toISOString().replace(/[-:.]/g, '')}`;

/** A replication slot name for a standby: its node name in lower case, other characters as "_". */
export function slotNameFor(standby: string): string {
  return standby
    .toLowerCase()
    .replace(/[^a-z0-9_]/g, '_')
    .slice(0, 63);
}

/** The nodes a request names besides its own node: they must exist and differ from it. */
export function otherNodes(
  reader: ClusterReader,
  self: string,
  names: readonly string[],
  role: string,
): NodeConfig[] {
  return names.map((n) => {
    if (n === self)
      throw new PlanRefusal(
        self,
        `${self} cannot be its own ${role}: name the other nodes of the cluster (${reader
          .nodeNames()
          .filter((x) => x !== self)
          .join(', ')})`,
      );
    return reader.session(n).config;
  });
}

/** The version, or a refusal saying how to make it known. */
export function needCaps(node: string, server: ServerFacts): Capabilities {
  if (server.caps) return server.caps;
  throw new PlanRefusal(
    node,
    `cannot tell which PostgreSQL version ${node} runs (the server is down and its PG_VERSION could not be read): start it, or check that the node user can read its data directory`,
  );
}

/** A running primary that answers queries, or a refusal naming what is wrong. */
export function needRunningPrimary(node: string, server: ServerFacts, what: string): Capabilities {
  const caps = needCaps(node, server);
  if (!server.running)
    throw new PlanRefusal(node, `${node} is not running, so it cannot ${what}: start it first`);
  if (server.queryError)
    throw new PlanRefusal(node, `${node} runs but does not answer walboard's queries (${server.queryError})`);
  if (server.inRecovery)
    throw new PlanRefusal(
      node,
      `${node} is a standby (in recovery), so it cannot ${what}: choose the primary, or promote ${node} first`,
    );
  return caps;
}

/** Bytes as "1.2 GiB" for plan texts. */
export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${u === 0 ? v : v.toFixed(1)} ${units[u]}`;
}
