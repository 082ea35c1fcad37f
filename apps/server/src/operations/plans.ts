import type { OperationRequest, OperationType } from '@walboard/shared/operations';
import { type PgCtlTarget, pgCtlArgv } from '../postgres/pg-ctl.ts';
import { planSetSettings, planSetStandbySource, reloadStep, settingsFilesToRead } from './plan-settings.ts';
import { type BuiltPlan, type ExecStep, type PlanContext, PlanRefusal } from './plan-types.ts';

/**
 * Every operation as a pure function of the request and what is known about the node: the exact
 * argv (fixed templates, values only in their own slots), SQL with bound parameters, or a file
 * change with its diff. Nothing here runs anything; the runner executes what these return.
 */

/** Stops a server, drops data or rewrites a config file: runs only with confirm: true. */
export const DESTRUCTIVE: ReadonlySet<OperationType> = new Set([
  'stop',
  'restart',
  'drop-slot',
  'set-settings',
  'set-standby-source',
]);

const PG_CTL_TIMEOUT_MS = 90_000;
const COMMAND_TIMEOUT_MS = 30_000;

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

function target(ctx: PlanContext): PgCtlTarget {
  const pgc = ctx.node.postgres;
  return { binDir: pgc.binDir, dataDir: pgc.dataDir, logFile: pgc.logFile, configFile: pgc.configFile };
}

function command(ctx: PlanContext, title: string, argv: string[], timeoutMs = COMMAND_TIMEOUT_MS): ExecStep {
  return { shown: { node: ctx.node.name, kind: 'command', title, argv }, timeoutMs };
}

function sql(ctx: PlanContext, title: string, text: string, params: string[]): ExecStep {
  return {
    shown: { node: ctx.node.name, kind: 'sql', title, sql: text, sqlParams: params },
    timeoutMs: 30_000,
  };
}

function needRunning(ctx: PlanContext, what: string): void {
  if (!ctx.running)
    throw new PlanRefusal(
      ctx.node.name,
      `${ctx.node.name} is not running, so it cannot ${what}: start it first`,
    );
}

function needSlots(ctx: PlanContext): void {
  if (ctx.caps && !ctx.caps.hasReplicationSlots)
    throw new PlanRefusal(
      ctx.node.name,
      `PostgreSQL ${ctx.caps.major} on ${ctx.node.name} has no replication slots (they arrived in 9.4)`,
    );
}

/** The archive directory path, refused when it would touch system folders, the data dir, or follow a symlink. */
export function archiveDirFor(
  req: Extract<OperationRequest, { type: 'prepare-archive-dir' }>,
  ctx: PlanContext,
): string {
  const path = req.params.path ?? ctx.node.archiveDir;
  const name = ctx.node.name;
  if (!path)
    throw new PlanRefusal(
      name,
      `node ${name} has no archiveDir in walboard.yaml: give the directory as "path", or add archiveDir`,
    );
  const parts = path.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.length < 2 || SYSTEM_DIRS.has(parts[0] as string))
    throw new PlanRefusal(
      name,
      `${path} is a system folder (or directly under /): choose an archive directory such as /var/lib/postgresql/wal_archive`,
    );
  const clean = `/${parts.join('/')}`;
  const dataDir = ctx.node.postgres.dataDir.replace(/\/+$/, '');
  if (clean === dataDir || clean.startsWith(`${dataDir}/`))
    throw new PlanRefusal(
      name,
      `${path} is inside the data directory of ${name}: base backups would copy the archive; choose a folder outside ${dataDir}`,
    );
  if (ctx.pathType === 'symlink')
    throw new PlanRefusal(
      name,
      `${path} on ${name} is a symbolic link: walboard does not change permissions through links; give the real directory`,
    );
  if (ctx.pathType === 'file' || ctx.pathType === 'other')
    throw new PlanRefusal(
      name,
      `${path} on ${name} exists and is not a directory: choose another path or remove it`,
    );
  return path;
}

/** Files the plan for `req` needs to see before it can be built. */
export function filesToRead(req: OperationRequest, ctx: Omit<PlanContext, 'files'>): string[] {
  return settingsFilesToRead(req, ctx);
}

/** Builds the plan; throws PlanRefusal when the node cannot do it as it is. */
export function buildPlan(req: OperationRequest, ctx: PlanContext): BuiltPlan {
  const t = target(ctx);
  const name = ctx.node.name;
  let steps: ExecStep[] = [];
  const notes: string[] = [];
  switch (req.type) {
    case 'start':
      if (ctx.running) notes.push(`${name} is already running: nothing to do.`);
      else steps = [command(ctx, `Start PostgreSQL on ${name}`, pgCtlArgv(t, 'start'), PG_CTL_TIMEOUT_MS)];
      break;
    case 'stop':
      if (!ctx.running) notes.push(`${name} is not running: nothing to do.`);
      else
        steps = [
          command(
            ctx,
            `Stop PostgreSQL on ${name} (${req.params.mode} mode)`,
            pgCtlArgv(t, 'stop', ['-m', req.params.mode]),
            PG_CTL_TIMEOUT_MS,
          ),
        ];
      break;
    case 'restart':
      steps = [
        command(
          ctx,
          `Restart PostgreSQL on ${name} (${req.params.mode} mode)`,
          pgCtlArgv(t, 'restart', ['-m', req.params.mode]),
          PG_CTL_TIMEOUT_MS,
        ),
      ];
      break;
    case 'reload':
      needRunning(ctx, 'reload its configuration');
      steps = [reloadStep(ctx)];
      break;
    case 'create-slot':
      needRunning(ctx, 'create a replication slot');
      needSlots(ctx);
      steps = [
        sql(
          ctx,
          `Create physical replication slot ${req.params.slotName}`,
          'SELECT pg_create_physical_replication_slot($1)',
          [req.params.slotName],
        ),
      ];
      break;
    case 'drop-slot':
      needRunning(ctx, 'drop a replication slot');
      needSlots(ctx);
      steps = [
        sql(ctx, `Drop replication slot ${req.params.slotName}`, 'SELECT pg_drop_replication_slot($1)', [
          req.params.slotName,
        ]),
      ];
      break;
    case 'prepare-archive-dir': {
      const path = archiveDirFor(req, ctx);
      steps = [
        command(ctx, `Create the WAL archive directory ${path}`, ['mkdir', '-p', '--', path]),
        command(ctx, `Let only the node user read and write ${path}`, ['chmod', '700', '--', path]),
      ];
      break;
    }
    case 'set-settings': {
      const r = planSetSettings(req, ctx);
      steps = r.steps;
      notes.push(...r.notes);
      break;
    }
    case 'set-standby-source': {
      const r = planSetStandbySource(req, ctx);
      steps = r.steps;
      notes.push(...r.notes);
      break;
    }
  }
  return {
    plan: {
      type: req.type,
      cluster: ctx.cluster,
      node: name,
      destructive: DESTRUCTIVE.has(req.type),
      steps: steps.map((s) => s.shown),
      ...(notes.length ? { notes } : {}),
    },
    steps,
  };
}
