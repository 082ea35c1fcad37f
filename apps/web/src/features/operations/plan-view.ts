import type { OperationPlan, PlanStep } from '@walboard/shared/operations';

/** A phase of a composite operation (the shared package has the schema, not a type name for it). */
export type PlanPhase = NonNullable<OperationPlan['phases']>[number];

export type DiffLineKind = 'add' | 'remove' | 'hunk' | 'header' | 'context';

export interface DiffLine {
  kind: DiffLineKind;
  text: string;
}

/** A SQL placeholder and the value bound to it (never spliced into the SQL text). */
export interface BoundParam {
  placeholder: string;
  value: string;
}

/** One step as the page shows it: everything that will run, field by field, as text. */
export interface StepRow {
  index: number;
  node: string;
  kind: PlanStep['kind'];
  title: string;
  /** Each element is one argument: shown separately so spaces and quotes are visible as they are. */
  argv: readonly string[];
  sql: string | null;
  params: BoundParam[];
  file: { path: string; backup: string | null; diff: DiffLine[] } | null;
  /** check steps: each command or statement the check runs, and where. */
  runs: CheckRun[];
  /** copy steps: the receiving end of the pipe. */
  pipeTo: { node: string; argv: readonly string[] } | null;
  detail: string | null;
  phase: string | null;
  /** Cancelling waits while the operation is inside such a step. */
  critical: boolean;
}

export interface CheckRun {
  node: string;
  argv: readonly string[];
  sql: string | null;
}

/** Steps under one phase heading; `phase` is null for steps outside any phase (no heading). */
export interface StepGroup {
  phase: PlanPhase | null;
  rows: StepRow[];
}

/** Classifies each line of a unified diff, for colouring; the text itself is kept as it is. */
export function diffLines(diff: string): DiffLine[] {
  if (diff === '') return [];
  const lines = diff.endsWith('\n') ? diff.slice(0, -1).split('\n') : diff.split('\n');
  return lines.map((text) => {
    if (text.startsWith('+++') || text.startsWith('---')) return { kind: 'header', text };
    if (text.startsWith('@@')) return { kind: 'hunk', text };
    if (text.startsWith('+')) return { kind: 'add', text };
    if (text.startsWith('-')) return { kind: 'remove', text };
    return { kind: 'context', text };
  });
}

/** $1…$n beside the values bound to them, in order. */
export function boundParams(sqlParams: readonly string[] | undefined): BoundParam[] {
  return (sqlParams ?? []).map((value, i) => ({ placeholder: `$${i + 1}`, value }));
}

/** A plan's (or a run's) steps as display rows. */
export function stepRows(steps: readonly PlanStep[]): StepRow[] {
  return steps.map((s, index) => ({
    index,
    node: s.node,
    kind: s.kind,
    title: s.title,
    argv: s.argv ?? [],
    sql: s.sql ?? null,
    params: boundParams(s.sqlParams),
    file: s.file ? { path: s.file.path, backup: s.file.backup, diff: diffLines(s.file.diff) } : null,
    runs: (s.runs ?? []).map((r) => ({ node: r.node, argv: r.argv ?? [], sql: r.sql ?? null })),
    pipeTo: s.pipeTo ? { node: s.pipeTo.node, argv: s.pipeTo.argv } : null,
    detail: s.detail ?? null,
    phase: s.phase ?? null,
    critical: s.critical === true,
  }));
}

/**
 * Rows under their phase headings, in the order the steps run (each consecutive run of one
 * phase is one group). A phase the steps name but the list lacks gets a heading of its id; a
 * listed phase without steps still shows, after the phase listed before it, so no phase of the
 * plan goes unmentioned.
 */
export function groupByPhase(
  rows: readonly StepRow[],
  phases: readonly PlanPhase[] | undefined,
): StepGroup[] {
  const byId = new Map((phases ?? []).map((p) => [p.id, p]));
  const groups: StepGroup[] = [];
  for (const row of rows) {
    const last = groups.at(-1);
    if (last && (last.phase?.id ?? null) === row.phase) {
      last.rows.push(row);
      continue;
    }
    const phase =
      row.phase === null
        ? null
        : (byId.get(row.phase) ?? { id: row.phase, type: '', node: row.node, title: row.phase, final: true });
    groups.push({ phase, rows: [row] });
  }
  let after = -1;
  for (const phase of phases ?? []) {
    const at = groups.findLastIndex((g) => g.phase?.id === phase.id);
    if (at >= 0) {
      after = at;
      continue;
    }
    groups.splice(after + 1, 0, { phase, rows: [] });
    after++;
  }
  return groups;
}

/**
 * The end of a long output, cut at a line start when one is near, and how many characters were
 * left out: the browser stays responsive and the last lines (where errors are) stay visible.
 */
export function tailText(text: string, max: number): { text: string; hidden: number } {
  if (text.length <= max) return { text, hidden: 0 };
  let start = text.length - max;
  const nl = text.indexOf('\n', start);
  if (nl >= 0 && nl - start < 200 && nl + 1 < text.length) start = nl + 1;
  return { text: text.slice(start), hidden: start };
}

/**
 * Control characters made visible as their Unicode "control pictures" (ESC → ␛, NUL → ␀), so
 * ANSI colour codes or a stray carriage return show as what they are instead of garbling or
 * hiding text. Line breaks and tabs are kept when `keepLines` (command output); inside one argv
 * element a line break is shown too, since it would otherwise look like two arguments.
 */
export function visibleControls(text: string, keepLines: boolean): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
  return text.replace(/[\u0000-\u001f\u007f]/g, (c) => {
    if (keepLines && (c === '\n' || c === '\t')) return c;
    return c === '\u007f' ? '\u2421' : String.fromCharCode(0x2400 + c.charCodeAt(0));
  });
}
