import type { PlanStep } from '@walboard/shared/operations';
import { maskPgpass, type PgpassKey, setPgpassEntry } from '../postgres/pgpass.ts';
import { backupPath } from './config-paths.ts';
import type { ExecStep, FileSnapshot, StepResult, StepRuntime } from './plan-types.ts';
import { editTextFile } from './settings-writer.ts';
import { customStep, ok } from './step-builders.ts';
import { unifiedDiff } from './unified-diff.ts';

/**
 * A step that puts one password line for `key` into a node's .pgpass (mode 0600, the original
 * kept). The plan shows the line with a placeholder password, because the real one is only
 * fetched when the step runs (`password`); a `StepResult` from it ends the step as is.
 */
export function pgpassEntryStep(o: {
  node: string;
  path: string;
  current: FileSnapshot | null;
  key: PgpassKey;
  now: Date;
  /** What the step does; " (original kept as …)" is appended when there is an original. */
  title: string;
  detail: string;
  extra: Partial<PlanStep>;
  password: (rt: StepRuntime) => Promise<string | StepResult>;
}): ExecStep {
  const { node, path, key } = o;
  const preview = setPgpassEntry(o.current?.text ?? null, { ...key, password: 'x' });
  const backup = o.current ? backupPath(path, o.now) : null;
  return customStep(
    {
      node,
      kind: 'file',
      title: `${o.title}${backup ? ` (original kept as ${backup})` : ''}`,
      file: {
        path,
        backup,
        diff: unifiedDiff(path, maskPgpass(o.current?.text ?? null), maskPgpass(preview) ?? ''),
      },
      detail: o.detail,
      ...o.extra,
    },
    async (rt) => {
      const password = await o.password(rt);
      if (typeof password !== 'string') return password;
      const log = await editTextFile(
        rt.session(node).transport,
        path,
        (cur) => {
          const text = setPgpassEntry(cur, { ...key, password });
          return { text, changed: text !== cur };
        },
        { backup: (x) => backupPath(x, rt.now()), mode: 0o600 },
      );
      return ok((log ?? [`${path} already holds it`]).join('\n'));
    },
  );
}
