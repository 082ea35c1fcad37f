// SSH for the test hosts: one sshd per host (own config, host key, pid file, log, listening
// only on the host's IP), a key pair for the postgres user shared by all hosts of a run (so
// h1's postgres can ssh/rsync to h2), and a controller key for the test process (root).
import { chmod, chown, copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { join } from 'node:path';
import { getPostgresUser } from './host-init.ts';
import { nodeSetupShArgs } from './node-setup.ts';
import { harnessError, runChecked, sleep } from './proc.ts';

export interface KeyPair {
  privatePath: string;
  publicLine: string;
}

export async function generateKey(
  host: string | null,
  privatePath: string,
  comment: string,
): Promise<KeyPair> {
  await runChecked(host, `generating ssh key ${privatePath}`, 'ssh-keygen', [
    ...['-q', '-t', 'ed25519', '-N', '', '-C', comment, '-f', privatePath],
  ]);
  const pub = (await readFile(`${privatePath}.pub`, 'utf8')).trim();
  return { privatePath, publicLine: pub };
}

/** "SHA256:…" exactly as `ssh-keygen -lf` prints it (what walboard's pinned-key config holds). */
export async function fingerprint(host: string, publicKeyPath: string): Promise<string> {
  const r = await runChecked(host, 'reading its host key fingerprint', 'ssh-keygen', ['-lf', publicKeyPath]);
  const fp = r.stdout.trim().split(/\s+/)[1];
  if (!fp?.startsWith('SHA256:'))
    throw harnessError(host, 'reading its host key fingerprint', r.stdout.trim());
  return fp;
}

/** "ssh-ed25519 AAAA…" without the comment. */
export const keyTypeAndBlob = (publicLine: string): string => publicLine.split(/\s+/).slice(0, 2).join(' ');

export interface KnownHost {
  name: string;
  ip: string;
  hostKeyPublic: string;
}

export const knownHostsText = (hosts: readonly KnownHost[]): string =>
  hosts.map((h) => `${h.name},${h.ip} ${keyTypeAndBlob(h.hostKeyPublic)}\n`).join('');

export interface SshdPaths {
  host: string;
  ip: string;
  sshDir: string;
  authorizedKeys: string;
}

export const sshdConfigPath = (sshDir: string): string => join(sshDir, 'sshd_config');
export const sshdPidPath = (sshDir: string): string => join(sshDir, 'sshd.pid');
export const sshdLogPath = (sshDir: string): string => join(sshDir, 'sshd.log');
export const hostKeyPath = (sshDir: string): string => join(sshDir, 'ssh_host_ed25519_key');

/** The sshd_config the Docker lab's nodes get too (docker/node-setup.sh), for this host's IP. */
export async function writeSshdConfig(p: SshdPaths): Promise<void> {
  const file = sshdConfigPath(p.sshDir);
  const args = nodeSetupShArgs('sshd-config', [
    ...[file, `${p.ip}:22`, hostKeyPath(p.sshDir), sshdPidPath(p.sshDir), p.authorizedKeys],
  ]);
  await runChecked(p.host, 'writing its sshd_config (docker/node-setup.sh)', 'sh', args);
}

/** The postgres user's home on one host: its .ssh with the run's key pair and client config. */
export async function writePostgresHome(
  homeDir: string,
  postgresKey: KeyPair | null,
  authorized: readonly string[],
  knownHosts: string | null,
): Promise<void> {
  const user = await getPostgresUser();
  const sshDir = join(homeDir, '.ssh');
  await mkdir(sshDir, { recursive: true });
  const files = ['', 'authorized_keys'];
  if (postgresKey) {
    await copyFile(postgresKey.privatePath, join(sshDir, 'id_ed25519'));
    await writeFile(join(sshDir, 'id_ed25519.pub'), `${postgresKey.publicLine}\n`);
    files.push('id_ed25519', 'id_ed25519.pub');
  }
  await writeFile(join(sshDir, 'authorized_keys'), authorized.map((k) => `${k}\n`).join(''));
  if (knownHosts !== null) {
    await writeFile(join(sshDir, 'known_hosts'), knownHosts);
    // Host keys are pinned honestly via known_hosts; BatchMode turns any prompt into an error.
    const config = [
      'Host *',
      '  StrictHostKeyChecking yes',
      '  BatchMode yes',
      '  IdentityFile ~/.ssh/id_ed25519',
      '  IdentitiesOnly yes',
      '  UserKnownHostsFile ~/.ssh/known_hosts',
      '',
    ].join('\n');
    await writeFile(join(sshDir, 'config'), config);
    files.push('known_hosts', 'config');
  }
  for (const f of files) {
    const path = join(sshDir, f);
    await chown(path, user.uid, user.gid);
    await chmod(path, f === '' ? 0o700 : f.endsWith('.pub') ? 0o644 : 0o600);
  }
  await chown(homeDir, user.uid, user.gid);
  await chmod(homeDir, 0o755);
}

/** Resolves once something accepts TCP connections on ip:port (from the root namespace). */
export async function waitTcp(ip: string, port: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect({ host: ip, port, timeout: 500 });
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('timeout', () => {
        s.destroy();
        resolve(false);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return true;
    await sleep(25);
  }
  return false;
}
