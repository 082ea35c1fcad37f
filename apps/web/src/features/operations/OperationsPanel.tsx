import type { Operation, StepRun } from '@walboard/shared/operations';
import { useEffect, useId, useRef } from 'react';
import type { MessageKey } from '../../i18n/catalog.ts';
import { useI18n } from '../../i18n/i18n.tsx';
import { OperationDialog } from './OperationDialog.tsx';
import { runningOperation, shownOperation } from './operation-state.ts';
import { stepRows, tailText, visibleControls } from './plan-view.ts';
import { StepDetails, StepKind } from './StepDetails.tsx';
import { labelKeyOf } from './type-labels.ts';
import type { OperationsFeed } from './use-operations.ts';

/** The last characters of a step's output shown (the server keeps 64 KiB; the page stays fast). */
const OUTPUT_SHOWN = 16_384;

const stateClass: Record<StepRun['state'] | Operation['state'], string> = {
  pending: 'bg-slate-100 text-slate-700',
  running: 'bg-sky-100 text-sky-900',
  succeeded: 'bg-green-100 text-green-900',
  failed: 'bg-red-100 text-red-900',
  skipped: 'bg-slate-100 text-slate-600',
};

const stateText: Record<StepRun['state'] | Operation['state'], MessageKey> = {
  pending: 'operations.state.pending',
  running: 'operations.state.running',
  succeeded: 'operations.state.succeeded',
  failed: 'operations.state.failed',
  skipped: 'operations.state.skipped',
};

function StateBadge({ state, testId }: { state: StepRun['state'] | Operation['state']; testId?: string }) {
  const { t } = useI18n();
  return (
    <span
      data-testid={testId}
      data-state={state}
      className={`inline-flex rounded px-2 py-0.5 text-xs font-semibold whitespace-nowrap ${stateClass[state]}`}
    >
      {t(stateText[state])}
    </span>
  );
}

function useTypeText(): (type: string) => string {
  const { t } = useI18n();
  return (type) => {
    const key = labelKeyOf(type);
    return key ? t(key) : type;
  };
}

function StepOutput({ output }: { output: string }) {
  const { t } = useI18n();
  if (output === '') return null;
  const shown = tailText(output, OUTPUT_SHOWN);
  return (
    <div className="space-y-1">
      {shown.hidden > 0 && (
        <p className="text-xs text-slate-600">{t('operations.run.outputCut', { count: shown.hidden })}</p>
      )}
      <pre
        data-testid="operation-step-output"
        className="max-h-64 overflow-auto rounded bg-slate-900 p-2 font-mono text-xs whitespace-pre-wrap break-all text-slate-100"
      >
        {visibleControls(shown.text, true)}
      </pre>
    </div>
  );
}

function OperationRun({ operation }: { operation: Operation }) {
  const { t, lang } = useI18n();
  const typeText = useTypeText();
  const rows = stepRows(operation.steps);
  const time = (iso: string | null) => (iso ? new Date(iso).toLocaleString(lang) : '—');
  return (
    <div data-testid="operation-run" data-id={operation.id} className="space-y-3">
      <div className="flex flex-wrap items-center gap-2">
        <StateBadge state={operation.state} testId="operation-state" />
        <span className="font-semibold text-slate-900">
          {t('operations.run.what', { operation: typeText(operation.type), node: operation.node })}
        </span>
        <span className="text-xs text-slate-600">
          {t('operations.run.who', {
            user: operation.requestedBy,
            started: time(operation.createdAt),
            finished: time(operation.finishedAt),
          })}
        </span>
      </div>
      {operation.message !== '' && (
        <p
          data-testid="operation-message"
          className={`text-sm ${operation.state === 'failed' ? 'text-red-900' : 'text-slate-800'}`}
        >
          {operation.message}
        </p>
      )}
      <ol className="space-y-2">
        {operation.steps.map((step, i) => {
          const row = rows[i];
          if (!row) return null;
          return (
            <li
              // biome-ignore lint/suspicious/noArrayIndexKey: an operation's steps are a fixed list
              key={i}
              data-testid={`operation-step-${i}`}
              data-state={step.state}
              className="space-y-1 rounded border border-slate-200 p-2"
            >
              <div className="flex flex-wrap items-center gap-2">
                <span className="font-mono text-xs text-slate-500">{i + 1}.</span>
                <StateBadge state={step.state} />
                <StepKind row={row} />
                <span className="text-sm text-slate-900">{step.title}</span>
                {step.exitCode !== null && (
                  <span
                    data-testid="operation-step-exit"
                    className={`font-mono text-xs ${step.exitCode === 0 ? 'text-slate-600' : 'text-red-800'}`}
                  >
                    {t('operations.run.exitCode', { code: step.exitCode })}
                  </span>
                )}
              </div>
              <StepDetails row={row} />
              <StepOutput output={step.output} />
            </li>
          );
        })}
      </ol>
    </div>
  );
}

/** The cluster's operations: the one followed (or the newest) live, step by step, and the recent history. */
export function OperationsPanel({ ops }: { ops: OperationsFeed }) {
  const { t, lang } = useI18n();
  const typeText = useTypeText();
  const headingId = useId();
  const section = useRef<HTMLElement>(null);
  const { state, problem, picked } = ops;
  const shown = shownOperation(state);
  const running = runningOperation(state);

  // A just-started operation: bring the panel into view so its progress is seen.
  useEffect(() => {
    if (state.followed !== null) section.current?.scrollIntoView({ block: 'nearest', behavior: 'smooth' });
  }, [state.followed]);

  return (
    <section
      ref={section}
      aria-labelledby={headingId}
      data-testid="operation-panel"
      className="space-y-3 rounded-lg border border-slate-200 bg-white px-4 py-3 shadow-sm"
    >
      <h2 id={headingId} className="text-base font-semibold text-slate-900">
        {t('operations.heading')}
      </h2>
      {problem && (
        <p role="alert" className="text-sm text-red-900">
          {t(problem.key, problem.vars)}
        </p>
      )}
      <div aria-live="polite">
        {shown ? (
          <OperationRun operation={shown} />
        ) : state.followed !== null ? (
          <p className="text-sm text-slate-700">{t('operations.run.waiting')}</p>
        ) : (
          state.loaded && <p className="text-sm text-slate-700">{t('operations.none')}</p>
        )}
      </div>
      {state.operations.length > 0 && (
        <details data-testid="operation-history" className="text-sm">
          <summary className="cursor-pointer text-slate-800">
            {t('operations.history', { count: state.operations.length })}
          </summary>
          <ol className="mt-2 divide-y divide-slate-100">
            {state.operations.map((op) => (
              <li key={op.id}>
                <button
                  type="button"
                  data-testid="operation-history-item"
                  data-id={op.id}
                  aria-current={shown?.id === op.id ? 'true' : undefined}
                  onClick={() => ops.follow(op.id)}
                  className={`flex w-full flex-wrap items-center gap-2 px-2 py-1 text-left hover:bg-slate-50 ${
                    shown?.id === op.id ? 'bg-sky-50' : ''
                  }`}
                >
                  <StateBadge state={op.state} />
                  <span className="text-slate-900">{typeText(op.type)}</span>
                  <span className="font-mono text-xs text-slate-700">{op.node}</span>
                  <span className="text-xs text-slate-600">
                    {op.requestedBy} · {new Date(op.createdAt).toLocaleString(lang)}
                  </span>
                </button>
              </li>
            ))}
          </ol>
        </details>
      )}
      {picked && (
        <OperationDialog
          // A new pick starts a fresh form.
          key={`${picked.node}/${picked.type}`}
          cluster={ops.cluster}
          picked={picked}
          running={running}
          onClose={() => ops.pick(null)}
          onStarted={(id) => {
            ops.pick(null);
            ops.follow(id);
          }}
        />
      )}
    </section>
  );
}
