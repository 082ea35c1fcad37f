import type { ExecStep, StepResult, StepRuntime } from './plan-types.ts';
import { applyFileChange, FileChangeError } from './settings-writer.ts';

/** Output kept per step: the last 64 KiB (what a failure prints last matters most). */
export const MAX_OUTPUT_BYTES = 64 * 1024;

export function cutOutput(s: string): string {
  const buf = Buffer.from(s, 'utf8');
  if (buf.length <= MAX_OUTPUT_BYTES) return s;
  return `[… ${buf.length - MAX_OUTPUT_BYTES} earlier bytes cut]\n${buf.subarray(buf.length - MAX_OUTPUT_BYTES).toString('utf8')}`;
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

/** argv on the step's node, each line of output passed on as it comes; killed after timeoutMs. */
export async function runCommand(rt: StepRuntime, step: ExecStep, argv: string[]): Promise<StepResult> {
  const transport = rt.session(step.shown.node).transport;
  const stream = await transport.stream(argv);
  const lines: string[] = [];
  let last = '';
  stream.onLine((line, from) => {
    lines.push(line);
    if (from === 'stderr' || last === '') last = line;
    rt.out(line);
  });
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    stream.stop();
  }, step.timeoutMs);
  try {
    const exit = await stream.done;
    const output = lines.join('\n');
    if (timedOut)
      return {
        ok: false,
        output,
        exitCode: exit.code,
        reason: `${argv[0]} did not finish within ${Math.round(step.timeoutMs / 1000)} s and was stopped`,
      };
    return {
      ok: exit.code === 0,
      output,
      exitCode: exit.code,
      ...(exit.code === 0
        ? {}
        : {
            reason: `${argv[0]} exited with ${exit.code ?? exit.signal}: ${(last || lines.at(-1) || '').trim()}`,
          }),
    };
  } finally {
    clearTimeout(timer);
  }
}

async function runSql(rt: StepRuntime, step: ExecStep, sql: string): Promise<StepResult> {
  const s = step.shown;
  let rows: Record<string, unknown>[];
  try {
    rows = await rt.session(s.node).query<Record<string, unknown>>(sql, s.sqlParams ?? []);
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

/** Runs one planned step: its own code, argv through the transport, SQL with bound parameters, or a file change. */
export async function executeStep(rt: StepRuntime, step: ExecStep): Promise<StepResult> {
  const s = step.shown;
  if (step.run) return step.run(rt);
  if (s.kind === 'command' && s.argv) return runCommand(rt, step, s.argv);
  if (s.kind === 'file' && step.change) {
    try {
      return {
        ok: true,
        output: (await applyFileChange(rt.session(s.node).transport, step.change)).join('\n'),
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
  if (s.kind === 'sql' && s.sql) return runSql(rt, step, s.sql);
  return {
    ok: false,
    output: '',
    exitCode: null,
    reason: `step "${s.title}" has nothing to run (internal error)`,
  };
}
