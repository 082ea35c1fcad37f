import type { Operation, StepRun } from '@walboard/shared/operations';
import { useI18n } from '../../i18n/i18n.tsx';
import { formatMs, spanMs } from './durations.ts';
import { StateBadge } from './OperationStateBadge.tsx';
import { PhaseHeading } from './PhaseHeading.tsx';
import { groupByPhase, type StepRow, stepRows, tailText, visibleControls } from './plan-view.ts';
import { CriticalMark, StepDetails, StepKind } from './StepDetails.tsx';
import { StepProgressBar } from './StepProgressBar.tsx';

/** The last characters of a step's output shown (the server keeps 64 KiB; the page stays fast). */
const OUTPUT_SHOWN = 16_384;

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
        // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling box with no control inside must take focus, or the keyboard cannot scroll it (WCAG 2.1.1)
        tabIndex={0}
        className="max-h-64 overflow-auto rounded bg-slate-900 p-2 font-mono text-xs whitespace-pre-wrap break-all text-slate-100 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-sky-600"
      >
        {visibleControls(shown.text, true)}
      </pre>
    </div>
  );
}

function StepItem({ step, row }: { step: StepRun; row: StepRow }) {
  const { t } = useI18n();
  return (
    <li
      data-testid={`operation-step-${row.index}`}
      data-state={step.state}
      data-critical={row.critical ? 'true' : undefined}
      className="space-y-1 rounded border border-slate-200 p-2"
    >
      <div className="flex flex-wrap items-center gap-2">
        <span className="font-mono text-xs text-slate-500">{row.index + 1}.</span>
        <StateBadge state={step.state} />
        <StepKind row={row} />
        <span className="min-w-0 text-sm wrap-anywhere text-slate-900">{step.title}</span>
        {row.critical && <CriticalMark />}
        {step.startedAt && step.finishedAt && (
          <span data-testid="operation-step-duration" className="font-mono text-xs text-slate-600">
            {t('operations.run.duration', { duration: formatMs(spanMs([step]) ?? 0) })}
          </span>
        )}
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
      {step.progress && <StepProgressBar progress={step.progress} number={row.index + 1} />}
      <StepOutput output={step.output} />
    </li>
  );
}

/** An operation's steps as they run (or ran), under their phase headings for composite operations. */
export function OperationSteps({ operation }: { operation: Operation }) {
  const { t } = useI18n();
  const rows = stepRows(operation.steps);
  const groups = groupByPhase(rows, operation.phases);
  if (groups.length === 0) return <p className="text-sm text-slate-600">{t('operations.run.noSteps')}</p>;
  const item = (row: StepRow) => {
    const step = operation.steps[row.index];
    return step ? <StepItem key={row.index} step={step} row={row} /> : null;
  };
  return (
    <ol className="space-y-2">
      {groups.map((group) =>
        group.phase === null ? (
          group.rows.map(item)
        ) : (
          <li
            key={`phase-${group.phase.id}`}
            data-testid="operation-phase"
            data-phase={group.phase.id}
            className="space-y-2"
          >
            <PhaseHeading
              phase={group.phase}
              durationMs={spanMs(group.rows.flatMap((r) => operation.steps[r.index] ?? []))}
            />
            {group.rows.length === 0 ? (
              <p className="pl-3 text-sm text-slate-600">{t('operations.plan.phaseEmpty')}</p>
            ) : (
              <ol className="space-y-2 border-l-2 border-slate-200 pl-3">{group.rows.map(item)}</ol>
            )}
          </li>
        ),
      )}
    </ol>
  );
}
