import type { LabStepId } from '@walboard/shared/guide';
import type { OperationPlan } from '@walboard/shared/operations';
import { useEffect, useState } from 'react';
import { getJson } from '../../api/get-json.ts';
import { useI18n } from '../../i18n/i18n.tsx';
import { PlanView } from '../operations/PlanView.tsx';
import { labPath } from './use-lab-progress.ts';

type PlanState =
  | { kind: 'loading' }
  | { kind: 'ready'; plan: OperationPlan }
  | { kind: 'error'; message: string };

/**
 * The step's dry-run plan, asked for when the reader opens it: the exact commands, SQL and file
 * changes for these nodes and this version, from the operation itself. `version` changes whenever
 * the nodes might have (a new pair, a finished run), so the plan is made again.
 */
export function StepPlan({ cluster, step, version }: { cluster: string; step: LabStepId; version: string }) {
  const { t } = useI18n();
  const [open, setOpen] = useState(false);
  const [state, setState] = useState<PlanState>({ kind: 'loading' });

  // biome-ignore lint/correctness/useExhaustiveDependencies: `version` is the reason to plan again
  useEffect(() => {
    if (!open) return;
    const abort = new AbortController();
    setState({ kind: 'loading' });
    getJson<{ plan: OperationPlan }>(`${labPath(cluster)}/steps/${step}/plan`, abort.signal)
      .then((r) => setState({ kind: 'ready', plan: r.plan }))
      .catch((err: unknown) => {
        if (!abort.signal.aborted)
          setState({ kind: 'error', message: err instanceof Error ? err.message : String(err) });
      });
    return () => abort.abort();
  }, [open, cluster, step, version]);

  return (
    <details
      data-testid="lab-step-commands"
      onToggle={(e) => setOpen(e.currentTarget.open)}
      className="rounded border border-slate-200 bg-slate-50 px-3 py-2"
    >
      <summary className="cursor-pointer text-sm font-semibold text-slate-900 focus-visible:outline-2 focus-visible:outline-sky-600">
        {t('guide.commands.show')}
      </summary>
      <div className="mt-2 overflow-x-auto">
        {state.kind === 'loading' && <p className="text-sm text-slate-700">{t('guide.commands.loading')}</p>}
        {state.kind === 'error' && (
          <p role="alert" className="text-sm text-red-900">
            {t('guide.commands.error', { message: state.message })}
          </p>
        )}
        {state.kind === 'ready' && <PlanView plan={state.plan} />}
        {state.kind === 'ready' && state.plan.refusal !== undefined && (
          <p data-testid="lab-step-plan-refusal" className="mt-2 text-sm text-red-900">
            {t('guide.commands.refused', { message: state.plan.refusal })}
          </p>
        )}
      </div>
    </details>
  );
}
