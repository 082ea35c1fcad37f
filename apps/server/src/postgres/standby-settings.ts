import type { Capabilities } from './capabilities.ts';
import { buildConninfo } from './conninfo.ts';
import { pgCommand, RESTART_FILE, WAL_NAME, WAL_PATH } from './pg-command.ts';

/**
 * What makes a server a standby of a given primary, per version: ≤ 11 a recovery.conf with
 * standby_mode and trigger_file; 12+ an empty standby.signal and server settings (written to
 * postgresql.auto.conf, the file PostgreSQL's own tools write, read last). Facts:
 * shared/docs/postgres-versions.md §2.
 */

export interface StandbySource {
  primaryHost: string;
  primaryPort: number;
  user: string;
  /** What the primary shows as application_name in pg_stat_replication: the standby's name. */
  applicationName: string;
  /** The standby's password file when it is not ~/.pgpass. */
  passfile?: string | undefined;
  slot?: string | undefined;
  /** Where restore_command reads WAL from; none: the standby only streams (follow of a node without one). */
  archiveDir?: string | undefined;
  archiveCleanupBin: string | null;
  /** File whose creation promotes the standby (versions that have one). */
  triggerFile: string;
}

export interface StandbyConfig {
  /** recovery.conf (≤ 11) or postgresql.auto.conf (12+). */
  file: 'recovery.conf' | 'postgresql.auto.conf';
  values: Record<string, string>;
  /** 12+: create the empty standby.signal. */
  signalFile: boolean;
}

/** `cp -- <archiveDir>/%f %p`: the segment PostgreSQL asks for, from the archive directory. */
export function restoreCommand(archiveDir: string): string {
  return pgCommand('{{cp}}', { cp: ['cp', '--', `${archiveDir.replace(/\/+$/, '')}/${WAL_NAME}`, WAL_PATH] });
}

/** `pg_archivecleanup <archiveDir> %r`: drops segments older than the standby's restart point. */
export function archiveCleanupCommand(bin: string, archiveDir: string): string {
  return pgCommand('{{cmd}}', { cmd: [bin, '--', archiveDir, RESTART_FILE] });
}

export function standbyConfigFor(caps: Capabilities, s: StandbySource): StandbyConfig {
  const values: Record<string, string> = {};
  if (caps.standbyConfig === 'recovery.conf') values.standby_mode = 'on';
  values.primary_conninfo = buildConninfo([
    ['host', s.primaryHost],
    ['port', s.primaryPort],
    ['user', s.user],
    ['application_name', s.applicationName],
    ['passfile', s.passfile],
  ]);
  if (s.slot) values.primary_slot_name = s.slot;
  if (s.archiveDir) {
    values.restore_command = restoreCommand(s.archiveDir);
    if (s.archiveCleanupBin)
      values.archive_cleanup_command = archiveCleanupCommand(s.archiveCleanupBin, s.archiveDir);
  }
  // ≤ 11 follows the backup's timeline by default and could not follow a promoted primary.
  values.recovery_target_timeline = 'latest';
  if (caps.triggerFileSetting) values[caps.triggerFileSetting] = s.triggerFile;
  return caps.standbyConfig === 'recovery.conf'
    ? { file: 'recovery.conf', values, signalFile: false }
    : { file: 'postgresql.auto.conf', values, signalFile: true };
}
