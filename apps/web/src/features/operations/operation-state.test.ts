import type { Operation, StepRun } from '@walboard/shared/operations';
import { describe, expect, it } from 'vitest';
import {
  cancelBlocked,
  HISTORY_OPERATIONS,
  initialOperationsState,
  KEPT_OPERATIONS,
  type OperationsAction,
  type OperationsState,
  operationsReducer,
  operationsStateKeeping,
  runningOperation,
  shownOperation,
} from './operation-state.ts';

const step = (state: StepRun['state'], output = ''): StepRun => ({
  node: 'db1',
  kind: 'command',
  title: 'pg_ctl stop',
  argv: ['pg_ctl', 'stop'],
  state,
  output,
  exitCode: state === 'succeeded' ? 0 : null,
  startedAt: null,
  finishedAt: null,
});

const op = (id: string, minute: number, patch: Partial<Operation> = {}): Operation => ({
  id,
  cluster: 'lab',
  node: 'db1',
  type: 'stop',
  params: { mode: 'fast' },
  requestedBy: 'alice',
  state: 'running',
  createdAt: new Date(Date.UTC(2026, 0, 1, 12, minute)).toISOString(),
  finishedAt: null,
  message: '',
  steps: [step('pending'), step('pending')],
  ...patch,
});

const run = (state: OperationsState, ...actions: OperationsAction[]) =>
  actions.reduce(operationsReducer, state);
const inLab = run(initialOperationsState, { type: 'cluster', cluster: 'lab' });

describe('operationsReducer', () => {
  it('lists the history newest first and marks it loaded', () => {
    const s = run(inLab, {
      type: 'history',
      cluster: 'lab',
      operations: [op('a', 1), op('c', 3), op('b', 2)],
    });
    expect(s.loaded).toBe(true);
    expect(s.operations.map((o) => o.id)).toEqual(['c', 'b', 'a']);
  });

  it('replaces an operation by each newer event of it', () => {
    const s = run(
      inLab,
      { type: 'event', operation: op('a', 1) },
      {
        type: 'event',
        operation: op('a', 1, {
          steps: [step('running', 'waiting for server to shut down'), step('pending')],
        }),
      },
      {
        type: 'event',
        operation: op('a', 1, { state: 'succeeded', steps: [step('succeeded', 'done'), step('succeeded')] }),
      },
    );
    expect(s.operations).toHaveLength(1);
    expect(s.operations[0]?.state).toBe('succeeded');
  });

  it('keeps the further state when a history fetched earlier arrives after a live event', () => {
    const live = op('a', 1, {
      state: 'failed',
      message: 'pg_ctl exited 1',
      steps: [step('failed', 'boom'), step('skipped')],
    });
    const stale = op('a', 1);
    const s = run(
      inLab,
      { type: 'event', operation: live },
      { type: 'history', cluster: 'lab', operations: [stale] },
    );
    expect(s.operations[0]).toEqual(live);
  });

  it('prefers more output within the same step states (a running step that printed more)', () => {
    const s = run(
      inLab,
      {
        type: 'event',
        operation: op('a', 1, { steps: [step('running', 'line 1\nline 2\n'), step('pending')] }),
      },
      {
        type: 'history',
        cluster: 'lab',
        operations: [op('a', 1, { steps: [step('running', 'line 1\n'), step('pending')] })],
      },
    );
    expect(s.operations[0]?.steps[0]?.output).toBe('line 1\nline 2\n');
  });

  it('ignores events and histories of another cluster (the page just switched)', () => {
    const s = run(
      inLab,
      { type: 'event', operation: op('x', 1, { cluster: 'other' }) },
      { type: 'history', cluster: 'other', operations: [op('y', 2)] },
    );
    expect(s.operations).toEqual([]);
    expect(s.loaded).toBe(false);
  });

  it('starts empty for another cluster', () => {
    const s = run(
      inLab,
      { type: 'event', operation: op('a', 1) },
      { type: 'follow', id: 'a' },
      { type: 'cluster', cluster: 'prod' },
    );
    expect(s).toEqual({ ...initialOperationsState, cluster: 'prod' });
  });

  it(`keeps only the ${KEPT_OPERATIONS} newest`, () => {
    const many = Array.from({ length: KEPT_OPERATIONS + 5 }, (_, i) =>
      op(`o${i}`, i, { state: 'succeeded' }),
    );
    const s = run(inLab, { type: 'history', cluster: 'lab', operations: many });
    expect(s.operations).toHaveLength(KEPT_OPERATIONS);
    expect(s.operations[0]?.id).toBe(`o${KEPT_OPERATIONS + 4}`);
  });
});

describe('shownOperation / runningOperation', () => {
  it('shows the newest when nothing is followed, and finds the running one', () => {
    const s = run(inLab, {
      type: 'history',
      cluster: 'lab',
      operations: [op('old', 1, { state: 'succeeded' }), op('new', 2)],
    });
    expect(shownOperation(s)?.id).toBe('new');
    expect(runningOperation(s)?.id).toBe('new');
  });

  it('shows nothing (not an older one) while a just-started operation is not reported yet, then shows it', () => {
    const s = run(
      inLab,
      { type: 'history', cluster: 'lab', operations: [op('old', 1, { state: 'failed' })] },
      { type: 'follow', id: 'fresh' },
    );
    expect(shownOperation(s)).toBeNull();
    expect(runningOperation(s)).toBeNull();
    const later = run(s, { type: 'event', operation: op('fresh', 2) });
    expect(shownOperation(later)?.id).toBe('fresh');
  });

  it('shows a followed older operation from the history', () => {
    const s = run(
      inLab,
      {
        type: 'history',
        cluster: 'lab',
        operations: [op('a', 1, { state: 'failed' }), op('b', 2, { state: 'succeeded' })],
      },
      { type: 'follow', id: 'a' },
    );
    expect(shownOperation(s)?.id).toBe('a');
  });
});

describe('replication operations in the state', () => {
  it('keeps a later copy progress over an earlier one with the same step states', () => {
    const copying = (doneBytes: number) =>
      op('a', 1, {
        steps: [
          {
            ...step('running'),
            kind: 'copy',
            progress: { doneBytes, totalBytes: 100, bytesPerSecond: 10, etaSeconds: 1, updatedAt: '' },
          },
        ],
      });
    const s = run(
      inLab,
      { type: 'event', operation: copying(90) },
      { type: 'history', cluster: 'lab', operations: [copying(40)] },
    );
    expect(s.operations[0]?.steps[0]?.progress?.doneBytes).toBe(90);
  });

  it('keeps a cancel request over an older copy without it', () => {
    const s = run(
      inLab,
      { type: 'event', operation: op('a', 1, { cancelRequested: true }) },
      { type: 'history', cluster: 'lab', operations: [op('a', 1)] },
    );
    expect(s.operations[0]?.cancelRequested).toBe(true);
  });

  it('keeps as many operations as asked (the history page keeps more)', () => {
    const many = Array.from({ length: 30 }, (_, i) => op(`o${i}`, i, { state: 'succeeded' }));
    const history = run(
      operationsStateKeeping(HISTORY_OPERATIONS),
      { type: 'cluster', cluster: 'lab' },
      { type: 'history', cluster: 'lab', operations: many },
    );
    expect(history.operations).toHaveLength(30);
    expect(history.keep).toBe(HISTORY_OPERATIONS);
    // Switching clusters keeps the size of the list.
    expect(run(history, { type: 'cluster', cluster: 'prod' }).keep).toBe(HISTORY_OPERATIONS);
  });
});

describe('cancelBlocked', () => {
  it('offers cancel while running outside a critical step', () => {
    expect(cancelBlocked(op('a', 1, { steps: [step('succeeded'), step('running')] }))).toBeNull();
  });

  it('says a cancel is pending once requested', () => {
    expect(cancelBlocked(op('a', 1, { cancelRequested: true }))).toBe('requested');
  });

  it('waits for a running critical step (a pending critical step does not block)', () => {
    expect(cancelBlocked(op('a', 1, { steps: [{ ...step('running'), critical: true }] }))).toBe('critical');
    expect(
      cancelBlocked(op('a', 1, { steps: [step('running'), { ...step('pending'), critical: true }] })),
    ).toBeNull();
  });
});
