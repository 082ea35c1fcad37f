import type { PlanStep } from '@walboard/shared/operations';
import { type PgCtlTarget, pgCtlArgv } from '../postgres/pg-ctl.ts';
import { setConfigValues } from '../postgres/settings-file.ts';
import { backupPath } from './config-paths.ts';
import type { ExecStep, FileSnapshot, StepResult, StepRuntime } from './plan-types.ts';
import { unifiedDiff } from './unified-diff.ts';

/** Small steps every operation module builds its plans from. */

export const PG_CTL_TIMEOUT_MS = 90_000;
export const COMMAND_TIMEOUT_MS = 30_000;

type Extra = Partial<Pick<PlanStep, 'detail' | 'critical' | 'phase'>>;

export function commandStep(
  node: string,
  title: string,
  argv: string[],
  timeoutMs = COMMAND_TIMEOUT_MS,
  extra: Extra = {},
): ExecStep {
  return { shown: { node, kind: 'command', title, argv, ...extra }, timeoutMs };
}

export function sqlStep(
  node: string,
  title: string,
  text: string,
  params: string[] = [],
  extra: Extra = {},
): ExecStep {
  return { shown: { node, kind: 'sql', title, sql: text, sqlParams: params, ...extra }, timeoutMs: 30_000 };
}

/** pg_ctl start/stop/restart on a node, from its walboard.yaml paths. */
export function pgCtlStep(
  node: string,
  t: PgCtlTarget,
  action: 'start' | 'stop' | 'restart',
  title: string,
  extra: string[] = [],
  more: Extra = {},
  waitSeconds = 60,
): ExecStep {
  // pg_ctl gives up after waitSeconds; the step allows it 30 s more to say so.
  const timeoutMs = Math.max(PG_CTL_TIMEOUT_MS, (waitSeconds + 30) * 1000);
  return commandStep(node, title, pgCtlArgv(t, action, extra, waitSeconds), timeoutMs, more);
}

/** A PostgreSQL config file change (postgresql.conf, .auto.conf, recovery.conf): backed up, diffed, read back. */
export function configFileStep(
  node: string,
  path: string,
  before: FileSnapshot | null,
  values: Record<string, string>,
  now: Date,
  opts: { newFileText?: string; title?: string; extra?: Extra } = {},
): ExecStep {
  const after = setConfigValues(before?.text ?? opts.newFileText ?? '', values);
  const backup = before ? backupPath(path, now) : null;
  const names = Object.keys(values).join(', ');
  return {
    shown: {
      node,
      kind: 'file',
      title: opts.title ?? `Set ${names} in ${path}${backup ? ` (original kept as ${backup})` : ''}`,
      file: { path, backup, diff: unifiedDiff(path, before?.text ?? null, after) },
      ...opts.extra,
    },
    timeoutMs: 60_000,
    change: { path, before, after, backup, expect: values, format: 'config' },
  };
}

/** Any other text file (authorized_keys, pg_hba.conf, standby.signal): backed up, written, read back. */
export function textFileStep(
  node: string,
  path: string,
  before: FileSnapshot | null,
  after: string,
  now: Date,
  title: string,
  opts: { mode?: number; shownBefore?: string | null; shownAfter?: string; extra?: Extra } = {},
): ExecStep {
  const backup = before ? backupPath(path, now) : null;
  const shownBefore = opts.shownBefore !== undefined ? opts.shownBefore : (before?.text ?? null);
  return {
    shown: {
      node,
      kind: 'file',
      title: backup ? `${title} (original kept as ${backup})` : title,
      file: { path, backup, diff: unifiedDiff(path, shownBefore, opts.shownAfter ?? after) },
      ...opts.extra,
    },
    timeoutMs: 60_000,
    change: {
      path,
      before,
      after,
      backup,
      expect: {},
      format: 'text',
      ...(opts.mode !== undefined ? { mode: opts.mode } : {}),
    },
  };
}

/**
 * A step that runs code of its own; `shown` still lists what it runs. `run` reports through the
 * runtime and returns the outcome.
 */
export function customStep(
  shown: PlanStep,
  run: (rt: StepRuntime) => Promise<StepResult>,
  timeoutMs = COMMAND_TIMEOUT_MS,
  opts: { continueOnFailure?: boolean } = {},
): ExecStep {
  return { shown, run, timeoutMs, ...(opts.continueOnFailure ? { continueOnFailure: true } : {}) };
}

export const ok = (output: string): StepResult => ({ ok: true, output, exitCode: null });
export const fail = (reason: string, output = reason): StepResult => ({
  ok: false,
  output,
  exitCode: null,
  reason,
});

/** `p`, or 'timeout' when it has not settled after `ms` (the timer is cleared either way). */
export async function withTimeout<T>(p: Promise<T>, ms: number): Promise<T | 'timeout'> {
  let t: NodeJS.Timeout | undefined;
  const timer = new Promise<'timeout'>((r) => {
    t = setTimeout(() => r('timeout'), ms);
  });
  try {
    return await Promise.race([p, timer]);
  } finally {
    clearTimeout(t);
  }
}

/**
 * A node's role in one query: in recovery, server_version_num, and (on a primary) its current WAL
 * position. Row: { r: boolean; v: string; lsn: string | null }.
 */
export const ROLE_PROBE_SQL =
  "SELECT pg_is_in_recovery() AS r, current_setting('server_version_num') AS v, CASE WHEN pg_is_in_recovery() THEN NULL ELSE pg_current_wal_lsn()::text END AS lsn";

/** Polls `probe` until it returns a value or `timeoutMs` passes (then null); stops early on cancel. */
export async function waitFor<T>(
  probe: () => Promise<T | null>,
  timeoutMs: number,
  everyMs: number,
  signal?: AbortSignal,
): Promise<T | null> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe().catch(() => null);
    if (v !== null) return v;
    if (Date.now() >= deadline || signal?.aborted) return null;
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
