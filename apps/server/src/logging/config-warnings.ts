import type { WalboardConfig } from '@walboard/shared/config';
import type { EventLog } from './event-log.ts';

/**
 * Settings that are valid but cannot work as they stand, told once at start (the node's card
 * says it too, but nobody may have the page open): a password variable that is not set, an ssh
 * node with no host key to check (it is not connected until an admin pins one).
 */
export function tellConfigWarnings(
  config: WalboardConfig,
  env: NodeJS.ProcessEnv,
  pinned: (cluster: string, node: string) => boolean,
  events: Pick<EventLog, 'configWarning'>,
  file = 'walboard.yaml',
): void {
  for (const c of config.clusters) {
    for (const n of c.nodes) {
      const where = { cluster: c.name, node: n.name };
      const v = n.postgres.passwordEnv;
      if (v && env[v] === undefined)
        events.configWarning(
          `postgres.passwordEnv names ${v}, which is not set: PostgreSQL will refuse a password sign-in; set ${v} in walboard's environment`,
          where,
        );
      if (n.transport === 'ssh' && !n.ssh.hostKey && !pinned(c.name, n.name))
        events.configWarning(
          `no ssh.hostKey in ${file} and none pinned: not connected until an admin compares and pins the key the server offers (Nodes page)`,
          where,
        );
    }
  }
}
