import { execFile } from 'node:child_process';
import { userInfo } from 'node:os';
import { promisify } from 'node:util';
import { lookupUser } from '../nodes/registry.ts';

const run = promisify(execFile);

export interface LabUser {
  name: string;
  uid: number;
  gid: number;
  /** Set when walboard runs as root and must switch to this user for PostgreSQL. */
  switchTo: boolean;
}

/**
 * PostgreSQL refuses to run as root. As root the lab runs its servers as `postgres` (creating a
 * `walboard` system user when the machine has no postgres account); otherwise as the caller.
 */
export async function labUser(): Promise<LabUser> {
  if (process.getuid?.() !== 0) {
    const u = userInfo();
    return { name: u.username, uid: u.uid, gid: u.gid, switchTo: false };
  }
  for (const name of ['postgres', 'walboard']) {
    try {
      return { name, ...(await lookupUser(name, 'lab')), switchTo: true };
    } catch {
      // try the next candidate
    }
  }
  await run('useradd', [
    '--system',
    '--user-group',
    '--no-create-home',
    '--shell',
    '/usr/sbin/nologin',
    'walboard',
  ]);
  return { name: 'walboard', ...(await lookupUser('walboard', 'lab')), switchTo: true };
}
