import type { LabProgress, LabStepState } from '@walboard/shared/guide';
import type { Operation } from '@walboard/shared/operations';
import { type ReactNode, useId, useState } from 'react';
import { sendJson } from '../../api/send-json.ts';
import { useI18n } from '../../i18n/i18n.tsx';
import { StateBadge } from '../operations/OperationStateBadge.tsx';
import { OperationSteps } from '../operations/OperationSteps.tsx';
import { PromotionResult } from '../operations/PromotionResult.tsx';
import { useCan, useSession } from '../session/session-context.ts';
import { CheckResult } from './CheckResult.tsx';
import { shownState } from './lab-view.ts';
import { StepPlan } from './StepPlan.tsx';
import { labPath } from './use-lab-progress.ts';

interface Props {
  cluster: string;
  number: number;
  step: LabStepState;
  /** The step's newest run in this lab, live. */
  operation: Operation | null;
  /** An operation runs on the cluster now: Run would be refused. */
  busy: boolean;
  onRun: () => void;
  onProgress: (p: LabProgress) => void;
  /** What the Lab view shows inside this step (the then-and-now forms, the WAL journey). */
  extra?: ReactNode;
}

const stateBadge: Record<ReturnType<typeof shownState>, string> = {
  passed: 'bg-emerald-100 text-emerald-900 ring-emerald-600',
  failed: 'bg-red-100 text-red-900 ring-red-600',
  pending: 'bg-slate-100 text-slate-800 ring-slate-400',
};

const button =
  'rounded px-3 py-1.5 text-sm font-semibold disabled:cursor-not-allowed disabled:opacity-50 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-sky-600';

/** One stage of the lab: why, the exact commands, Run, the live output, and the Check. */
export function LabStep({ cluster, number, step, operation, busy, onRun, onProgress, extra }: Props) {
  const { t } = useI18n();
  const { info } = useSession();
  const canOperate = useCan('operator');
  const headingId = useId();
  const [checking, setChecking] = useState(false);
  const [checkError, setCheckError] = useState<string | null>(null);
  const state = shownState(step);
  const key = step.id;

  const check = () => {
    setChecking(true);
    setCheckError(null);
    sendJson<LabProgress>('POST', `${labPath(cluster)}/steps/${key}/check`, {}, info.csrfToken)
      .then(onProgress)
      .catch((err: unknown) => setCheckError(err instanceof Error ? err.message : String(err)))
      .finally(() => setChecking(false));
  };

  return (
    <li
      data-testid={`lab-step-${key}`}
      data-state={state}
      aria-labelledby={headingId}
      className="space-y-3 rounded-lg border border-slate-200 bg-white px-4 py-3 shadow-sm"
    >
      <div className="flex flex-wrap items-center justify-between gap-2">
        <h2 id={headingId} className="text-base font-semibold text-slate-900">
          <span className="mr-2 text-slate-600">{t('guide.stepNumber', { n: number })}</span>
          {t(`guide.step.${key}.title`)}
        </h2>
        <span
          data-testid="lab-step-state"
          className={`rounded px-2 py-0.5 text-xs font-semibold ring-1 ${stateBadge[state]}`}
        >
          {t(`guide.state.${state}`)}
        </span>
      </div>
      <div className="space-y-1 text-sm text-slate-800">
        <h3 className="font-semibold text-slate-900">{t('guide.why')}</h3>
        <p data-testid="lab-step-why">{t(`guide.step.${key}.why`)}</p>
        <p className="italic text-slate-700">{t(`guide.step.${key}.check`)}</p>
      </div>
      <StepPlan cluster={cluster} step={key} version={`${step.request.node}/${operation?.state ?? ''}`} />
      {extra}
      {canOperate && (
        <div className="flex flex-wrap items-center gap-2">
          <button
            type="button"
            data-testid="lab-step-run"
            disabled={busy}
            onClick={onRun}
            className={`${button} bg-sky-700 text-white hover:bg-sky-800`}
          >
            {t('guide.run')}
          </button>
          <button
            type="button"
            data-testid="lab-step-check"
            disabled={checking}
            aria-busy={checking}
            onClick={check}
            className={`${button} border border-slate-400 bg-white text-slate-900 hover:bg-slate-50`}
          >
            {checking ? t('guide.checking') : t('guide.check')}
          </button>
          {busy && <span className="text-xs text-slate-700">{t('guide.run.busy')}</span>}
        </div>
      )}
      {checkError && (
        <p role="alert" className="text-sm text-red-900">
          {t('guide.check.error', { message: checkError })}
        </p>
      )}
      {step.check && <CheckResult check={step.check} />}
      <details
        data-testid="lab-step-output"
        data-state={operation?.state ?? 'none'}
        open={operation?.state === 'running' || operation?.state === 'failed' ? true : undefined}
        className="text-sm"
      >
        <summary className="cursor-pointer text-slate-900 focus-visible:outline-2 focus-visible:outline-sky-600">
          <span className="mr-2">{t('guide.output')}</span>
          {operation ? <StateBadge state={operation.state} /> : <span className="text-slate-600">—</span>}
        </summary>
        <div className="mt-2 space-y-2" aria-live="polite">
          {operation ? (
            <>
              {operation.message !== '' && <p className="break-words text-slate-800">{operation.message}</p>}
              {operation.promotion && <PromotionResult promotion={operation.promotion} />}
              <OperationSteps operation={operation} />
            </>
          ) : (
            <p className="text-slate-700">{t('guide.output.none')}</p>
          )}
        </div>
      </details>
    </li>
  );
}
