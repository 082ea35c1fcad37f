import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import type { LocalNodeConfig, NodeConfig, SshNodeConfig, WalboardConfig } from '@walboard/shared/config';
import { LocalTransport } from './local-transport.ts';
import { NodeSession, type PgEndpoint } from './node-session.ts';
import { pgStreamFactory, SshTransport, type SshTransportOptions } from './ssh-transport.ts';
import type { Transport } from './transport.ts';

const run = promisify(execFile);

/** Host key pins kept outside walboard.yaml (HostKeyStore implements it). */
export interface HostKeyPins {
  get(cluster: string, node: string): { fingerprint: string; pinnedBy: string; pinnedAt: string } | null;
}

export interface BuildSessionsOptions {
  /** Pins made by admins; one here wins over ssh.hostKey in walboard.yaml. */
  hostKeys?: HostKeyPins;
  /** Tests shorten the slow re-check of unpinned keys with this. */
  ssh?: Pick<SshTransportOptions, 'slowRetryMs'>;
  /** The configuration file the nodes come from, named in messages (default "walboard.yaml"). */
  configFile?: string;
}

/**
 * Builds one NodeSession per configured node. ssh transports start connecting at once; local ones
 * and all PostgreSQL connections wait for the monitor.
 */
export async function buildSessions(
  config: WalboardConfig,
  env: NodeJS.ProcessEnv = process.env,
  opts: BuildSessionsOptions = {},
): Promise<NodeSession[]> {
  const out: NodeSession[] = [];
  const file = opts.configFile ?? 'walboard.yaml';
  for (const cluster of config.clusters) {
    for (const node of cluster.nodes) {
      const transport =
        node.transport === 'ssh'
          ? await sshTransport(node, opts.hostKeys?.get(cluster.name, node.name) ?? null, opts.ssh, file)
          : await localTransport(node, file);
      out.push(new NodeSession(cluster.name, node, transport, endpointFor(node, transport, env)));
    }
  }
  return out;
}

async function sshTransport(
  node: SshNodeConfig,
  stored: ReturnType<HostKeyPins['get']>,
  extra: BuildSessionsOptions['ssh'],
  file: string,
): Promise<Transport> {
  let privateKey: Buffer;
  try {
    privateKey = await readFile(node.ssh.privateKeyPath);
  } catch (err) {
    throw new Error(
      `node ${node.name}: cannot read the ssh private key ${node.ssh.privateKeyPath} (${(err as Error).message}); check ssh.privateKeyPath in ${file}`,
    );
  }
  const t = new SshTransport({
    node: node.name,
    host: node.host,
    port: node.ssh.port,
    username: node.ssh.user,
    privateKey,
    // The store's pin first: an admin pinned it after comparing it with the server's own key.
    hostKey: stored?.fingerprint ?? node.ssh.hostKey ?? null,
    hostKeyOrigin: stored ? `pinned by ${stored.pinnedBy} on ${stored.pinnedAt}` : file,
    keepaliveIntervalMs: node.ssh.keepaliveIntervalMs,
    keepaliveCountMax: node.ssh.keepaliveCountMax,
    maxSessions: node.ssh.maxSessions,
    ...extra,
  });
  t.start();
  return t;
}

async function localTransport(node: LocalNodeConfig, file: string): Promise<Transport> {
  const isRoot = process.getuid?.() === 0;
  if (!node.runAs) {
    if (isRoot) {
      throw new Error(
        `node ${node.name}: walboard runs as root, so a local node needs runAs (an unprivileged user such as postgres) in ${file}`,
      );
    }
    return new LocalTransport({ node: node.name });
  }
  if (!isRoot) {
    // Only root can switch users; running as yourself is what a normal user gets anyway.
    return new LocalTransport({ node: node.name });
  }
  return new LocalTransport({ node: node.name, runAs: await lookupUser(node.runAs, node.name) });
}

/** uid/gid of a local account (Node has no getpwnam). */
export async function lookupUser(user: string, node: string): Promise<{ uid: number; gid: number }> {
  try {
    const [u, g] = await Promise.all([run('id', ['-u', '--', user]), run('id', ['-g', '--', user])]);
    return { uid: Number(u.stdout.trim()), gid: Number(g.stdout.trim()) };
  } catch {
    throw new Error(`node ${node}: local user "${user}" (runAs) does not exist on this machine`);
  }
}

function endpointFor(node: NodeConfig, transport: Transport, env: NodeJS.ProcessEnv): PgEndpoint {
  const pgc = node.postgres;
  const password = pgc.passwordEnv ? env[pgc.passwordEnv] : undefined;
  const base = { port: pgc.port, user: pgc.user, database: pgc.database, password };
  if (node.transport === 'local') return { ...base, host: pgc.host ?? '127.0.0.1' };
  if (pgc.connect === 'direct') return { ...base, host: pgc.host ?? node.host };
  // Through the tunnel the address is as seen from the node itself.
  const host = pgc.host ?? '127.0.0.1';
  return { ...base, host, stream: pgStreamFactory(transport, host, pgc.port) };
}
