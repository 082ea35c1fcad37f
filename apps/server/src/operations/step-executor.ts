import type { NodeSession } from '../nodes/node-session.ts';
import type { ExecStep } from './plan-types.ts';
import { applyFileChange, FileChangeError } from './settings-writer.ts';

/** Output kept per step: the last 64 KiB (what a failure prints last matters most). */
export const MAX_OUTPUT_BYTES = 64 * 1024;

export function cutOutput(s: string): string {
  const buf = Buffer.from(s, 'utf8');
  if (buf.length <= MAX_OUTPUT_BYTES) return s;
  return `[… ${buf.length - MAX_OUTPUT_BYTES} earlier bytes cut]\n${buf.subarray(buf.length - MAX_OUTPUT_BYTES).toString('utf8')}`;
}

export interface StepResult {
  ok: boolean;
  output: string;
  exitCode: number | null;
  /** Why it failed, in one line for the operation's message. */
  reason?: string;
}

function rowsText(rows: Record<string, unknown>[]): string {
  return rows.map((r) => JSON.stringify(r)).join('\n');
}

const NEEDS_RESTART = 'setting could not be applied';

interface FileSettingRow {
  sourceline: number;
  name: string | null;
  setting: string | null;
  error: string | null;
}

/** Runs one planned step on the node: argv through the transport, SQL with bound parameters, or a file change. */
export async function executeStep(session: NodeSession, step: ExecStep): Promise<StepResult> {
  const s = step.shown;
  if (s.kind === 'command' && s.argv) {
    const r = await session.transport.exec(s.argv, { timeoutMs: step.timeoutMs });
    const output = [r.stdout, r.stderr].filter((x) => x !== '').join('\n');
    return {
      ok: r.code === 0,
      output,
      exitCode: r.code,
      ...(r.code === 0
        ? {}
        : {
            reason: `${s.argv[0]} exited with ${r.code ?? r.signal}: ${(r.stderr || r.stdout).trim().split('\n').slice(-1)[0] ?? ''}`,
          }),
    };
  }
  if (s.kind === 'file' && step.change) {
    try {
      return {
        ok: true,
        output: (await applyFileChange(session.transport, step.change)).join('\n'),
        exitCode: null,
      };
    } catch (err) {
      const log = err instanceof FileChangeError ? err.log : [];
      return {
        ok: false,
        output: [...log, (err as Error).message].join('\n'),
        exitCode: null,
        reason: (err as Error).message,
      };
    }
  }
  if (s.kind === 'sql' && s.sql) {
    let rows: Record<string, unknown>[];
    try {
      rows = await session.query<Record<string, unknown>>(s.sql, s.sqlParams ?? []);
    } catch (err) {
      const msg = (err as Error).message;
      if (step.verify && /pg_file_settings" does not exist/.test(msg)) {
        return {
          ok: true,
          output:
            'pg_file_settings does not exist on this version (9.5+): checked by reading the file back only',
          exitCode: null,
        };
      }
      return { ok: false, output: msg, exitCode: null, reason: msg };
    }
    const output = rowsText(rows);
    let pending: (string | null)[] = [];
    if (step.verify) {
      const found = rows as unknown as FileSettingRow[];
      // "setting could not be applied" marks a postmaster-context setting that changed: it needs
      // a restart, the file itself is fine. Any other error (syntax, unknown name, bad value) is not.
      pending = found.filter((r) => r.error === NEEDS_RESTART).map((r) => r.name);
      const problems = found
        .filter((r) => r.error !== null && r.error !== NEEDS_RESTART)
        .map((r) => `line ${r.sourceline} (${r.name ?? 'syntax'}): ${r.error}`);
      for (const [name, value] of Object.entries(step.verify.expect)) {
        const last = found.filter((r) => r.name === name).at(-1);
        if (!last) problems.push(`the server does not see ${name} in ${step.verify.sourcefile}`);
        else if (last.setting !== value)
          problems.push(
            `the server reads ${name} as ${JSON.stringify(last.setting)}, not ${JSON.stringify(value)}`,
          );
      }
      if (problems.length > 0) {
        return {
          ok: false,
          output,
          exitCode: null,
          reason: `the server does not accept ${step.verify.sourcefile}: ${problems.join('; ')} — restore the backup before restarting`,
        };
      }
    }
    const restartNote =
      step.verify && pending.length > 0
        ? `\nneeds a restart to take effect: ${[...new Set(pending)].join(', ')}`
        : '';
    return { ok: true, output: output + restartNote, exitCode: null };
  }
  return {
    ok: false,
    output: '',
    exitCode: null,
    reason: `step "${s.title}" has nothing to run (internal error)`,
  };
}
