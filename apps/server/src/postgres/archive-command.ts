import { pgCommand, substitutePgCommand, WAL_NAME, WAL_PATH } from './pg-command.ts';

/**
 * walboard's archive_command: ships each finished WAL segment (%p) to every standby's archive
 * directory with rsync — over ssh, or to a local path when both servers share this machine.
 *
 * Per target it runs `rsync --ignore-existing -i`: rsync writes a temporary name and renames it,
 * so a reader never sees half a segment, and an existing file is never overwritten. rsync lists
 * a file it created; when it created nothing the segment was already there (a retry after a
 * crash), and a checksum dry run must then find it identical — a different file with the same
 * name makes the command fail, as PostgreSQL's documentation asks. The command exits 0 only when
 * every target has the segment.
 */

export type ArchiveTarget =
  | { kind: 'local'; dir: string }
  | {
      kind: 'ssh';
      user: string;
      host: string;
      port: number;
      dir: string;
      /** The primary's private key for this link (link-nodes). */
      identityFile: string;
    };

export interface ArchiveCommandOptions {
  /** rsync ≥ 3.2.4 on both ends: the receiver fsyncs each segment before renaming it. */
  fsync: boolean;
}

/** Where ssh keeps the shared connection to a standby: beside the key, named by ssh's %C hash. */
export function controlPathFor(identityFile: string): string | null {
  const path = `${identityFile.replace(/\/[^/]*$/, '')}/wb-%C`;
  // A unix socket path holds at most 107 bytes; %C expands to 40 characters.
  return path.length - 2 + 40 <= 100 ? path : null;
}

/**
 * `ssh …` as rsync's -e: batch mode, the known_hosts entry only, this key only — and one shared
 * connection per standby (ControlMaster, kept 60 s after its last use): a new ssh connection
 * costs ~0.3–0.5 s here, more than copying a 16 MB segment.
 */
export function sshTransportCommand(t: Extract<ArchiveTarget, { kind: 'ssh' }>): string {
  return `${sshSharedOptions(t)} -p ${t.port}`;
}

/** sshTransportCommand without the port: the same for every standby reached with this key. */
function sshSharedOptions(t: Pick<Extract<ArchiveTarget, { kind: 'ssh' }>, 'identityFile'>): string {
  const control = controlPathFor(t.identityFile);
  // rsync splits -e on spaces; every value here is allowlisted (no spaces, no quotes).
  return [
    'ssh',
    '-o BatchMode=yes',
    '-o StrictHostKeyChecking=yes',
    '-o IdentitiesOnly=yes',
    '-o ConnectTimeout=10',
    ...(control ? ['-o ControlMaster=auto', `-o ControlPath=${control}`, '-o ControlPersist=60'] : []),
    `-i ${t.identityFile}`,
  ].join(' ');
}

/** `user@host:dir/%f` (IPv6 addresses in brackets). */
export function remoteDestination(t: Extract<ArchiveTarget, { kind: 'ssh' }>, name: string): string {
  const host = t.host.includes(':') ? `[${t.host}]` : t.host;
  return `${t.user}@${host}:${t.dir.replace(/\/+$/, '')}/${name}`;
}

function destination(t: ArchiveTarget): string {
  return t.kind === 'local' ? `${t.dir.replace(/\/+$/, '')}/${WAL_NAME}` : remoteDestination(t, WAL_NAME);
}

const ONE_TARGET = 'o=$({{copy}}) && { test -n "$o" || { v=$({{compare}}) && test -z "$v"; }; }';

function targetArgv(t: ArchiveTarget, opts: ArchiveCommandOptions): { copy: string[]; compare: string[] } {
  const remote = t.kind === 'ssh' ? ['-e', sshTransportCommand(t)] : [];
  const dest = destination(t);
  return {
    copy: [
      'rsync',
      '-a',
      '--ignore-existing',
      '-i',
      ...(opts.fsync ? ['--fsync'] : []),
      ...remote,
      WAL_PATH,
      dest,
    ],
    compare: ['rsync', '-c', '-n', '-i', ...remote, WAL_PATH, dest],
  };
}

/**
 * With several targets the per-target line is written once, as a shell function `f` taking
 * rsync's transport, source and destination ("$@"): PostgreSQL up to 15 expands the command into
 * a 1024-byte buffer (see archiveCommandMaxBytes), and repeating the copy-and-compare pair and the
 * ssh options per standby passes that at two ssh standbys. The ssh options shared by targets with
 * the same key are kept in one variable; each call adds its port.
 */
const MANY_TARGETS_FUNCTION =
  'f(){ o=$({{copy}} "$@") && { test -n "$o" || { v=$({{compare}} "$@") && test -z "$v"; }; }; }';

/** The archive_command line for these targets (placeholders left for PostgreSQL to fill in). */
export function composeArchiveCommand(
  targets: readonly ArchiveTarget[],
  opts: ArchiveCommandOptions,
): string {
  if (targets.length === 0) throw new Error('composeArchiveCommand: no target');
  if (targets.length === 1) {
    const a = targetArgv(targets[0] as ArchiveTarget, opts);
    return pgCommand(ONE_TARGET, a);
  }
  const parts: string[] = [
    pgCommand(MANY_TARGETS_FUNCTION, {
      copy: ['rsync', '-a', '--ignore-existing', '-i', ...(opts.fsync ? ['--fsync'] : [])],
      compare: ['rsync', '-c', '-n', '-i'],
    }),
  ];
  // One variable per distinct ssh option list (all standbys share the primary's key in practice).
  const vars = new Map<string, string>();
  for (const t of targets) {
    if (t.kind !== 'ssh') continue;
    const shared = sshSharedOptions(t);
    if (vars.has(shared)) continue;
    const name = `k${vars.size}`;
    vars.set(shared, name);
    parts.push(pgCommand(`${name}={{v}}`, { v: [shared] }));
  }
  parts.push('r=0');
  // Every target is tried, so one standby that is down does not keep the others behind.
  for (const t of targets) {
    const dest = [WAL_PATH, destination(t)];
    if (t.kind === 'local') parts.push(pgCommand('f {{dest}} || r=1', { dest }));
    else {
      const name = vars.get(sshSharedOptions(t)) as string;
      parts.push(pgCommand(`f -e "$${name}"{{port}} {{dest}} || r=1`, { port: [` -p ${t.port}`], dest }));
    }
  }
  parts.push('exit $r');
  return parts.join('; ');
}

/**
 * Bytes of `line` once PostgreSQL fills in the placeholders, for the longest file it archives: a
 * backup history file (`000000010000000000000002.00000028.backup`, 40 characters) in `walDir`.
 */
export function expandedArchiveCommandBytes(line: string, walDir: string): number {
  const name = '0'.repeat(24) + '.00000028.backup';
  return Buffer.byteLength(substitutePgCommand(line, { p: `${walDir}/${name}`, f: name }));
}
