import type { StopMode } from '@walboard/shared/operations';
import { TransportError } from '../../nodes/transport.ts';
import type { Capabilities } from '../../postgres/capabilities.ts';
import type { ExecStep, PlanContext, StepResult, StepRuntime } from '../plan-types.ts';
import { runCommand } from '../step-executor.ts';

/**
 * What a shutdown has to wait for, read before planning: WAL segments not yet archived (the
 * archiver ships every one of them before the server stops) and, for smart mode, the client
 * sessions that must leave first.
 */
export interface ShutdownFacts {
  /** `.ready` files in archive_status; null when they could not be listed. */
  readyFiles: number | null;
  /** Client sessions other than walboard's own; null when not asked or not answered. */
  otherClients: { count: number; who: string[] } | null;
}

/** pg_ctl's own wait when nothing holds the shutdown up. */
const BASE_WAIT_S = 60;
/** Allowed per segment still to archive: rsync over ssh ships 16 MiB in well under this. */
const PER_SEGMENT_S = 2;
const MAX_WAIT_S = 3600;

/** How long pg_ctl may wait for the server to stop: 60 s plus the archiving backlog. */
export function shutdownWaitSeconds(readyFiles: number | null): number {
  return Math.min(MAX_WAIT_S, BASE_WAIT_S + Math.ceil((readyFiles ?? 0) * PER_SEGMENT_S));
}

export function archiveStatusDir(ctx: Pick<PlanContext, 'node'>, caps: Capabilities | null): string {
  return `${ctx.node.postgres.dataDir}/${caps?.walDir ?? 'pg_wal'}/archive_status`;
}

/** walboard's own application_names: they leave when walboard lets go, they do not hold a smart stop. */
export const OWN_APPLICATION_NAMES = ['walboard', 'walboard-monitor', 'walboard-backup'];

/**
 * The SQL that counts the client sessions a smart shutdown would wait for; null before 9.2
 * (pg_stat_activity had procpid then). $1 = walboard's own application_names.
 */
export function otherClientsSql(caps: Capabilities | null): string | null {
  if (!caps || caps.versionNum < 90200) return null;
  // Background workers and WAL senders joined pg_stat_activity in 10, with backend_type.
  const clientsOnly = caps.versionNum >= 100000 ? "backend_type = 'client backend' AND " : '';
  return [
    'SELECT count(*)::int AS n,',
    "  coalesce(string_agg(DISTINCT coalesce(nullif(application_name, ''), usename::text, '?'), ', '), '') AS who",
    'FROM pg_stat_activity',
    `WHERE ${clientsOnly}pid <> pg_backend_pid() AND NOT (coalesce(application_name, '') = ANY ($1))`,
  ].join('\n');
}

/** Notes a stop or restart plan carries: what the shutdown will wait for, and for how long. */
export function shutdownNotes(name: string, mode: StopMode, facts: ShutdownFacts, waitS: number): string[] {
  const notes: string[] = [];
  const ready = facts.readyFiles ?? 0;
  if (ready > 0 && mode !== 'immediate') {
    notes.push(
      `${name} has ${ready} WAL segment${ready === 1 ? '' : 's'} waiting to be archived (.ready files): ` +
        `PostgreSQL archives ${ready === 1 ? 'it' : 'them all'} before it stops, so pg_ctl waits up to ${waitS} s ` +
        `(60 s + ${PER_SEGMENT_S} s per segment); the step shows them draining.`,
    );
  }
  if (ready > 0 && mode === 'immediate') {
    notes.push(
      `${name} has ${ready} WAL segment${ready === 1 ? '' : 's'} waiting to be archived: an immediate stop does ` +
        'not archive them now; the archiver ships them after the next start.',
    );
  }
  if (mode === 'smart') {
    const others = facts.otherClients;
    notes.push(
      `Smart mode waits until every client session has ended. walboard closes its own connections to ${name} ` +
        'first (the status poll and any other), and keeps them closed until the server has begun shutting down; ' +
        'the card then shows it "shutting down".',
    );
    if (others && others.count > 0) {
      notes.push(
        `${others.count} other client session${others.count === 1 ? ' is' : 's are'} connected to ${name} now ` +
          `(${others.who.join(', ') || 'unnamed'}): the stop waits for ${others.count === 1 ? 'it' : 'them'} to disconnect, ` +
          `up to ${waitS} s, and the server refuses new connections meanwhile. Use fast mode to end them.`,
      );
    }
  }
  return notes;
}

/** postmaster.pid's 8th line (10+) reads "stopping" once the postmaster has taken the request. */
async function postmasterStopping(rt: StepRuntime, node: string, dataDir: string): Promise<boolean> {
  try {
    const text = (await rt.session(node).transport.readFile(`${dataDir}/postmaster.pid`)).toString('utf8');
    return text.split('\n')[7]?.trim() === 'stopping';
  } catch (err) {
    // No pid file: the server is gone already.
    return err instanceof TransportError && err.code === 'not-found';
  }
}

async function countReady(rt: StepRuntime, node: string, dir: string): Promise<number | null> {
  try {
    return (await rt.session(node).transport.list(dir)).filter((e) => e.name.endsWith('.ready')).length;
  } catch {
    return null;
  }
}

/**
 * Runs the pg_ctl stop/restart step as shown, and around it: in smart mode walboard lets go of
 * its own sessions to the node until the postmaster has taken the request (then new connections
 * are refused, never kept); with WAL still to archive, the count of .ready files is followed
 * while it drains.
 */
export function shutdownRun(
  step: ExecStep,
  opts: { mode: StopMode; dataDir: string; archiveStatus: string; readyFiles: number | null },
): (rt: StepRuntime) => Promise<StepResult> {
  return async (rt) => {
    const node = step.shown.node;
    const argv = step.shown.argv ?? [];
    let release: (() => void) | null = null;
    if (opts.mode === 'smart') {
      release = rt
        .session(node)
        .holdConnections(
          `walboard closed its own connections to ${node} for a smart stop, which waits for every client to disconnect`,
        );
      rt.out(`walboard closed its own connections to ${node} (smart mode waits for every client session)`);
    }
    let watching = true;
    const watch = (async () => {
      let last = opts.readyFiles;
      const total = opts.readyFiles ?? 0;
      while (watching) {
        await new Promise((r) => setTimeout(r, 250));
        if (!watching) break;
        if (release && (await postmasterStopping(rt, node, opts.dataDir))) {
          // Connections are refused from now on: the poll may ask again and learn "shutting down".
          release();
          release = null;
          rt.out(
            `${node} has begun shutting down; walboard's status poll may connect again (and is refused)`,
          );
        }
        if (total > 0 && opts.mode !== 'immediate') {
          const left = await countReady(rt, node, opts.archiveStatus);
          if (left !== null && left !== last) {
            last = left;
            rt.out(
              `${left} of ${total} WAL segments still to archive (.ready files in ${opts.archiveStatus})`,
            );
          }
        }
      }
    })();
    try {
      return await runCommand(rt, step, argv);
    } finally {
      watching = false;
      await watch;
      // A restart ends with the server up again, a stop with it gone: either way, poll again.
      (release as (() => void) | null)?.();
    }
  };
}
