import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import type { LocalNodeConfig, NodeConfig, SshNodeConfig, WalboardConfig } from '@walboard/shared/config';
import { LocalTransport } from './local-transport.ts';
import { NodeSession, type PgEndpoint } from './node-session.ts';
import { pgStreamFactory, SshTransport } from './ssh-transport.ts';
import type { Transport } from './transport.ts';

const run = promisify(execFile);

/** Builds one NodeSession per configured node. Nothing connects until the monitor starts. */
export async function buildSessions(
  config: WalboardConfig,
  env: NodeJS.ProcessEnv = process.env,
): Promise<NodeSession[]> {
  const out: NodeSession[] = [];
  for (const cluster of config.clusters) {
    for (const node of cluster.nodes) {
      const transport = node.transport === 'ssh' ? await sshTransport(node) : await localTransport(node);
      out.push(new NodeSession(cluster.name, node, transport, endpointFor(node, transport, env)));
    }
  }
  return out;
}

async function sshTransport(node: SshNodeConfig): Promise<Transport> {
  let privateKey: Buffer;
  try {
    privateKey = await readFile(node.ssh.privateKeyPath);
  } catch (err) {
    throw new Error(
      `node ${node.name}: cannot read the ssh private key ${node.ssh.privateKeyPath} (${(err as Error).message}); check ssh.privateKeyPath in walboard.yaml`,
    );
  }
  const t = new SshTransport({
    node: node.name,
    host: node.host,
    port: node.ssh.port,
    username: node.ssh.user,
    privateKey,
    hostKey: node.ssh.hostKey,
    keepaliveIntervalMs: node.ssh.keepaliveIntervalMs,
    keepaliveCountMax: node.ssh.keepaliveCountMax,
    maxSessions: node.ssh.maxSessions,
  });
  t.start();
  return t;
}

async function localTransport(node: LocalNodeConfig): Promise<Transport> {
  const isRoot = process.getuid?.() === 0;
  if (!node.runAs) {
    if (isRoot) {
      throw new Error(
        `node ${node.name}: walboard runs as root, so a local node needs runAs (an unprivileged user such as postgres) in walboard.yaml`,
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
