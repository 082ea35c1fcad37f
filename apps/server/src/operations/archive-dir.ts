import type { NodeConfig } from '@walboard/shared/config';
import { PlanRefusal } from './plan-types.ts';

// First path components walboard never creates or chmods an archive under.
const SYSTEM_DIRS = new Set([
  'bin',
  'boot',
  'dev',
  'etc',
  'lib',
  'lib32',
  'lib64',
  'libx32',
  'proc',
  'root',
  'run',
  'sbin',
  'sys',
  'usr',
]);

/**
 * The archive directory `path` (or the node's archiveDir), refused when it would touch system
 * folders or the data directory, or is a symlink / not a directory.
 */
export function checkArchiveDir(
  node: NodeConfig,
  path: string | undefined,
  pathType: 'file' | 'dir' | 'symlink' | 'other' | null | undefined,
): string {
  const p = path ?? node.archiveDir;
  const name = node.name;
  if (!p)
    throw new PlanRefusal(
      name,
      `node ${name} has no archiveDir in walboard.yaml: give the directory as "path", or add archiveDir`,
    );
  const parts = p.split('/').filter((x) => x !== '' && x !== '.');
  if (parts.length < 2 || SYSTEM_DIRS.has(parts[0] as string))
    throw new PlanRefusal(
      name,
      `${p} is a system folder (or directly under /): choose an archive directory such as /var/lib/postgresql/wal_archive`,
    );
  const clean = `/${parts.join('/')}`;
  const dataDir = node.postgres.dataDir.replace(/\/+$/, '');
  if (clean === dataDir || clean.startsWith(`${dataDir}/`))
    throw new PlanRefusal(
      name,
      `${p} is inside the data directory of ${name}: base backups would copy the archive; choose a folder outside ${dataDir}`,
    );
  if (pathType === 'symlink')
    throw new PlanRefusal(
      name,
      `${p} on ${name} is a symbolic link: walboard does not change permissions through links; give the real directory`,
    );
  if (pathType === 'file' || pathType === 'other')
    throw new PlanRefusal(
      name,
      `${p} on ${name} exists and is not a directory: choose another path or remove it`,
    );
  return p;
}
