import type { NodeConfig } from '@walboard/shared/config';
import type { OperationRequestOf } from '@walboard/shared/operations';
import { archiveFilesBefore } from '../../postgres/wal-names.ts';
import { checkArchiveDir } from '../archive-dir.ts';
import type { ClusterReader } from '../cluster-reader.ts';
import { backupPath } from '../config-paths.ts';
import { builtPlan, defineOperation } from '../operation-module.ts';
import { type ExecStep, PlanRefusal } from '../plan-types.ts';
import { needRunningPrimary } from '../replication-common.ts';
import { commandStep } from '../step-builders.ts';

/**
 * clean-archive: the lab's last step on a promoted node. Its archive directory held the WAL it
 * replayed as a standby; only files before the segment of its last checkpoint's redo point are
 * removed (segments, .partial, .backup — never .history), each one named in the plan.
 */

export interface CleanFacts {
  node: NodeConfig;
  archiveDir: string;
  names: string[];
  redoWalFile: string;
  recoveryDone: boolean;
}

const CHUNK = 200;

export async function readCleanFacts(
  req: OperationRequestOf<'clean-archive'>,
  reader: ClusterReader,
): Promise<CleanFacts> {
  const node = reader.session(req.node).config;
  const server = await reader.server(req.node);
  const caps = needRunningPrimary(
    req.node,
    server,
    'clean its archive (a standby still reads it: its archive_cleanup_command does this job)',
  );
  if (!caps.hasControlSql)
    throw new PlanRefusal(req.node, `PostgreSQL ${caps.major} has no pg_control_checkpoint() (9.6+)`);
  const archiveDir = checkArchiveDir(
    node,
    undefined,
    node.archiveDir ? await reader.pathType(req.node, node.archiveDir) : null,
  );
  const [rows, entries, done] = await Promise.all([
    reader.query<{ redo_wal_file: string }>(req.node, 'SELECT redo_wal_file FROM pg_control_checkpoint()'),
    reader.entries(req.node, archiveDir),
    caps.standbyConfig === 'recovery.conf'
      ? reader.pathType(req.node, `${node.postgres.dataDir}/recovery.done`)
      : Promise.resolve(null),
  ]);
  return {
    node,
    archiveDir,
    names: (entries ?? []).filter((e) => e.type === 'file').map((e) => e.name),
    redoWalFile: rows[0]?.redo_wal_file ?? '',
    recoveryDone: done === 'file',
  };
}

export function planCleanArchive(f: CleanFacts, now: Date): { steps: ExecStep[]; notes: string[] } {
  const n = f.node.name;
  const old = archiveFilesBefore(f.names, f.redoWalFile);
  const steps: ExecStep[] = [];
  const dir = f.archiveDir.replace(/\/+$/, '');
  for (let i = 0; i < old.length; i += CHUNK) {
    const part = old.slice(i, i + CHUNK);
    steps.push(
      commandStep(
        n,
        `Remove ${part.length} archived WAL file${part.length === 1 ? '' : 's'} older than ${f.redoWalFile} from ${dir} on ${n}`,
        ['rm', '-f', '--', ...part.map((x) => `${dir}/${x}`)],
      ),
    );
  }
  if (f.recoveryDone) {
    const from = `${f.node.postgres.dataDir}/recovery.done`;
    steps.push(
      commandStep(n, `Put ${from} aside (what was recovery.conf; kept as a backup)`, [
        'mv',
        '-T',
        '--',
        from,
        backupPath(from, now),
      ]),
    );
  }
  const kept = f.names.length - old.length;
  const notes = [
    `${n}'s last checkpoint starts redo in ${f.redoWalFile}: ${old.length} older file${old.length === 1 ? '' : 's'} go${old.length === 1 ? 'es' : ''}, ${kept} stay${kept === 1 ? 's' : ''} (newer ones and every .history file).`,
  ];
  if (old.length === 0) notes.push(`Nothing in ${dir} is older than ${f.redoWalFile}: nothing to remove.`);
  return { steps, notes };
}

export const cleanArchiveOperation = defineOperation({
  type: 'clean-archive',
  gather: (req: OperationRequestOf<'clean-archive'>, reader) => readCleanFacts(req, reader),
  plan: (req, facts, env) => {
    const { steps, notes } = planCleanArchive(facts, env.now);
    return builtPlan(req, env, { steps, notes }, { destructive: true });
  },
});
