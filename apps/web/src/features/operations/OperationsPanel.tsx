import type { Operation } from '@walboard/shared/operations';
import { useEffect, useId, useRef } from 'react';
import { useI18n } from '../../i18n/i18n.tsx';
import { CancelOperation } from './CancelOperation.tsx';
import { NextAction } from './NextAction.tsx';
import { OperationDialog } from './OperationDialog.tsx';
import { messageClass, StateBadge } from './OperationStateBadge.tsx';
import { OperationSteps } from './OperationSteps.tsx';
import type { NodeChoice } from './operation-form.ts';
import { runningOperation, shownOperation } from './operation-state.ts';
import { PromotionResult } from './PromotionResult.tsx';
import { knownType } from './type-labels.ts';
import type { OperationsFeed } from './use-operations.ts';
import { useTypeText } from './use-type-text.ts';

function OperationRun({ operation, ops }: { operation: Operation; ops: OperationsFeed }) {
  const { t, lang } = useI18n();
  const typeText = useTypeText();
  const time = (iso: string | null) => (iso ? new Date(iso).toLocaleString(lang) : '—');
  const type = knownType(operation.type);
  return (
    <div
      data-testid="operation-run"
      data-id={operation.id}
      data-state={operation.state}
      className="space-y-3"
    >
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
      <CancelOperation operation={operation} onReport={ops.report} />
      {operation.message !== '' && (
        <p data-testid="operation-message" className={`text-sm ${messageClass(operation.state)}`}>
          {operation.message}
        </p>
      )}
      {operation.state === 'interrupted' && (
        <p className="text-sm text-orange-950">{t('operations.run.interrupted')}</p>
      )}
      <NextAction
        operation={operation}
        onPlanAgain={
          type ? () => ops.pick({ node: operation.node, type, params: operation.params }) : undefined
        }
      />
      {operation.promotion && <PromotionResult promotion={operation.promotion} />}
      <OperationSteps operation={operation} />
    </div>
  );
}

/** The cluster's operations: the one followed (or the newest) live, step by step, and the recent history. */
export function OperationsPanel({
  ops,
  nodes,
}: {
  ops: OperationsFeed;
  /** The cluster's nodes, for the dialog's fields that name other nodes. */
  nodes: readonly NodeChoice[];
}) {
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
          <OperationRun operation={shown} ops={ops} />
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
          nodes={nodes}
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
