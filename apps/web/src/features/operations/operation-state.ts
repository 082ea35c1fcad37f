import type { Operation } from '@walboard/shared/operations';

/** How many operations the panel keeps (the server keeps the whole history). */
export const KEPT_OPERATIONS = 20;
/** How many the Operations history page lists. */
export const HISTORY_OPERATIONS = 200;

export interface OperationsState {
  cluster: string | null;
  /** Newest first. */
  operations: readonly Operation[];
  /** The history was fetched (or failed) for this cluster: "no operations yet" is then true. */
  loaded: boolean;
  /** The one the user picked or started; null shows the newest. */
  followed: string | null;
  /** How many of the newest it keeps (the panel a few, the history page more). */
  keep: number;
}

export type OperationsAction =
  | { type: 'cluster'; cluster: string | null }
  | { type: 'history'; cluster: string; operations: readonly Operation[] }
  | { type: 'event'; operation: Operation }
  | { type: 'follow'; id: string | null };

export const initialOperationsState: OperationsState = {
  cluster: null,
  operations: [],
  loaded: false,
  followed: null,
  keep: KEPT_OPERATIONS,
};

/** An empty state that keeps `keep` operations. */
export function operationsStateKeeping(keep: number): OperationsState {
  return { ...initialOperationsState, keep };
}

/**
 * How far an operation has got. Every event carries the whole operation, but the history fetched
 * at (re)connect can be older than an event that arrived meanwhile: the further one wins.
 */
function progress(op: Operation): number[] {
  const finished = op.state === 'running' ? 0 : 1;
  const started = op.steps.filter((s) => s.state !== 'pending').length;
  const done = op.steps.filter((s) => s.state !== 'pending' && s.state !== 'running').length;
  // A cancel request is only ever set, never cleared: a copy without it is older.
  const cancel = op.cancelRequested === true ? 1 : 0;
  const output = op.steps.reduce((n, s) => n + s.output.length, 0);
  // Copies report bytes without printing anything: their progress counts too.
  const copied = op.steps.reduce((n, s) => n + (s.progress?.doneBytes ?? 0), 0);
  return [finished, started + done, cancel, output, copied];
}

function furtherThan(a: Operation, b: Operation): boolean {
  const pa = progress(a);
  const pb = progress(b);
  for (let i = 0; i < pa.length; i++) {
    const x = pa[i] ?? 0;
    const y = pb[i] ?? 0;
    if (x !== y) return x > y;
  }
  return true;
}

const newestFirst = (a: Operation, b: Operation) =>
  a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : a.id < b.id ? 1 : -1;

function merge(kept: readonly Operation[], incoming: readonly Operation[], keep: number): Operation[] {
  const byId = new Map(kept.map((op) => [op.id, op]));
  for (const op of incoming) {
    const old = byId.get(op.id);
    if (!old || furtherThan(op, old)) byId.set(op.id, op);
  }
  return [...byId.values()].sort(newestFirst).slice(0, keep);
}

export function operationsReducer(state: OperationsState, action: OperationsAction): OperationsState {
  switch (action.type) {
    case 'cluster':
      return action.cluster === state.cluster
        ? state
        : { ...operationsStateKeeping(state.keep), cluster: action.cluster };
    case 'history':
      if (action.cluster !== state.cluster) return state;
      return { ...state, loaded: true, operations: merge(state.operations, action.operations, state.keep) };
    case 'event':
      // The socket may still deliver an event of the cluster the page just left.
      if (action.operation.cluster !== state.cluster) return state;
      return { ...state, operations: merge(state.operations, [action.operation], state.keep) };
    case 'follow':
      return { ...state, followed: action.id };
  }
}

/**
 * The operation the panel shows: the followed one, else the newest. null while a just-started
 * operation has not been reported yet (showing an older one then would mislead).
 */
export function shownOperation(state: OperationsState): Operation | null {
  if (state.followed !== null) return state.operations.find((op) => op.id === state.followed) ?? null;
  return state.operations[0] ?? null;
}

/** The operation running on the cluster now, if any (the server runs one at a time per cluster). */
export function runningOperation(state: OperationsState): Operation | null {
  return state.operations.find((op) => op.state === 'running') ?? null;
}

/** Why the Cancel button is disabled: a cancel is already pending, or the running step must finish. */
export type CancelBlock = 'requested' | 'critical';

/** Why cancelling `op` is not offered right now, or null when it is. */
export function cancelBlocked(op: Operation): CancelBlock | null {
  if (op.cancelRequested) return 'requested';
  // The runner would stop only after this step anyway; saying so beats a click that seems ignored.
  if (op.steps.some((s) => s.state === 'running' && s.critical)) return 'critical';
  return null;
}
