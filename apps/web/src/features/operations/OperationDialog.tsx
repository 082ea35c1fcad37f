import {
  type Operation,
  type OperationPlan,
  type OperationRequest,
  operationDryRunResponseSchema,
  operationStartedResponseSchema,
} from '@walboard/shared/operations';
import { useCallback, useEffect, useRef, useState } from 'react';
import { sendJson } from '../../api/send-json.ts';
import { useI18n } from '../../i18n/i18n.tsx';
import { useSession } from '../session/session-context.ts';
import { ModalDialog } from './ModalDialog.tsx';
import { OperationFields } from './OperationFields.tsx';
import { operationProblem, type ProblemText } from './operation-errors.ts';
import {
  buildRequest,
  confirmedRun,
  emptyForm,
  type FieldError,
  formFromOperation,
  hasFields,
  type NodeChoice,
  type OperationForm,
} from './operation-form.ts';
import { PlanView } from './PlanView.tsx';
import { labelKeyOf, typeLabel } from './type-labels.ts';
import { operationsPath, type PickedAction } from './use-operations.ts';

interface Props {
  cluster: string;
  picked: PickedAction;
  /** The cluster's nodes, for the fields that name other nodes. */
  nodes: readonly NodeChoice[];
  /** The operation running on the cluster now: the server would answer 409, so say it first. */
  running: Operation | null;
  onClose: () => void;
  onStarted: (id: string) => void;
}

type Phase = 'editing' | 'planning' | 'planned' | 'starting';

const buttonClass =
  'rounded px-3 py-1.5 text-sm font-semibold disabled:cursor-not-allowed disabled:opacity-50 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-sky-600';

/** The form to start from: the repeated operation's params (Plan again), else a fresh one. */
function initialForm(picked: PickedAction, nodes: readonly NodeChoice[]): OperationForm {
  const repeated = picked.params
    ? formFromOperation({ type: picked.type, node: picked.node, params: picked.params }, nodes)
    : null;
  return repeated ?? emptyForm(picked.type, picked.node, nodes);
}

/** Why the server would refuse the plan as asked, where the run button would be. */
function PlanRefusal({ refusal }: { refusal: string }) {
  const { t } = useI18n();
  return (
    <div
      role="alert"
      data-testid="operation-plan-refusal"
      className="space-y-1 rounded border-2 border-red-600 bg-red-50 px-3 py-2 text-sm text-red-950"
    >
      <p className="font-semibold">{t('operations.plan.refusal')}</p>
      <p>{refusal}</p>
      <p>{t('operations.plan.refusalNext')}</p>
    </div>
  );
}

/**
 * One operation, from form to start: the dry run shows exactly what will run; only that plan's
 * request can then be confirmed. Any edit throws the plan away, so what runs is what was shown.
 */
export function OperationDialog({ cluster, picked, nodes, running, onClose, onStarted }: Props) {
  const { t } = useI18n();
  const { info, expired } = useSession();
  const [form, setForm] = useState<OperationForm>(() => initialForm(picked, nodes));
  const [errors, setErrors] = useState<readonly FieldError[]>([]);
  const [phase, setPhase] = useState<Phase>('editing');
  const [planned, setPlanned] = useState<{ plan: OperationPlan; request: OperationRequest } | null>(null);
  const [problem, setProblem] = useState<ProblemText | null>(null);
  // Answers to an older request (before an edit, or after closing) must not land.
  const seq = useRef(0);
  useEffect(
    () => () => {
      seq.current++;
    },
    [],
  );

  const fail = useCallback(
    (err: unknown) => {
      const p = operationProblem(err);
      if (p.sessionEnded) expired();
      setProblem(p);
    },
    [expired],
  );

  const edit = (next: OperationForm) => {
    seq.current++;
    setForm(next);
    setPlanned(null);
    setErrors([]);
    setProblem(null);
    setPhase('editing');
  };

  const plan = useCallback(
    (current: OperationForm) => {
      const built = buildRequest(current, { dryRun: true, confirm: false });
      setProblem(null);
      if (!built.ok) {
        setErrors(built.errors);
        return;
      }
      setErrors([]);
      const mine = ++seq.current;
      setPhase('planning');
      sendJson<unknown>('POST', operationsPath(cluster), built.request, info.csrfToken)
        .then((body) => {
          if (mine !== seq.current) return;
          const parsed = operationDryRunResponseSchema.safeParse(body);
          if (!parsed.success) {
            setProblem({ key: 'operations.error.badAnswer' });
            setPhase('editing');
            return;
          }
          setPlanned({ plan: parsed.data.plan, request: built.request });
          setPhase('planned');
        })
        .catch((err: unknown) => {
          if (mine !== seq.current) return;
          fail(err);
          setPhase('editing');
        });
    },
    [cluster, info.csrfToken, fail],
  );

  // Nothing to fill in: ask for the plan right away.
  const autoPlan = !hasFields(picked.type);
  useEffect(() => {
    if (autoPlan) plan(emptyForm(picked.type, picked.node));
  }, [autoPlan, plan, picked]);

  const start = () => {
    if (!planned) return;
    const mine = ++seq.current;
    setProblem(null);
    setPhase('starting');
    sendJson<unknown>('POST', operationsPath(cluster), confirmedRun(planned.request), info.csrfToken)
      .then((body) => {
        if (mine !== seq.current) return;
        const parsed = operationStartedResponseSchema.safeParse(body);
        if (!parsed.success) {
          setProblem({ key: 'operations.error.badAnswer' });
          setPhase('planned');
          return;
        }
        onStarted(parsed.data.id);
      })
      .catch((err: unknown) => {
        if (mine !== seq.current) return;
        fail(err);
        setPhase('planned');
      });
  };

  const typeText = (type: string) => {
    const key = labelKeyOf(type);
    return key ? t(key) : type;
  };
  const destructive = planned?.plan.destructive ?? false;
  const refusal = planned?.plan.refusal;
  const what = { operation: t(typeLabel[picked.type]), node: picked.node, cluster };

  return (
    <ModalDialog
      title={t('operations.dialog.title', what)}
      onClose={onClose}
      testId="operation-dialog"
      tone={destructive ? 'danger' : 'normal'}
    >
      {running && (
        <p
          role="status"
          className="rounded border border-amber-300 bg-amber-50 px-3 py-2 text-sm text-amber-950"
        >
          {t('operations.dialog.running', {
            operation: typeText(running.type),
            node: running.node,
            user: running.requestedBy,
          })}
        </p>
      )}
      <form
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          plan(form);
        }}
        className="space-y-3"
      >
        <OperationFields form={form} errors={errors} onChange={edit} nodes={nodes} />
        {errors.some((e) => e.field === 'form' || e.field === 'node') && (
          <ul className="text-sm text-red-800">
            {errors
              .filter((e) => e.field === 'form' || e.field === 'node')
              .map((e) => (
                <li key={e.field}>{e.message}</li>
              ))}
          </ul>
        )}
        <button
          type="submit"
          data-testid="operation-dry-run"
          disabled={phase === 'planning' || phase === 'starting'}
          className={`${buttonClass} border border-sky-700 bg-white text-sky-800`}
        >
          {phase === 'planning' ? t('operations.dialog.planning') : t('operations.dialog.showPlan')}
        </button>
      </form>

      {planned && (
        <div className="space-y-3">
          <PlanView plan={planned.plan} />
          {refusal !== undefined && <PlanRefusal refusal={refusal} />}
          {destructive && refusal === undefined && (
            <p className="rounded border border-red-300 bg-red-50 px-3 py-2 text-sm text-red-900">
              {t('operations.dialog.destructiveWarning', what)}
            </p>
          )}
          <div className="flex flex-wrap gap-2">
            {/* A refused plan offers no run: the user changes the form and plans again. */}
            {refusal === undefined && (
              <button
                type="button"
                data-testid="operation-confirm"
                data-destructive={String(destructive)}
                disabled={phase !== 'planned'}
                onClick={start}
                className={`${buttonClass} text-white ${destructive ? 'bg-red-700 hover:bg-red-800' : 'bg-sky-700 hover:bg-sky-800'}`}
              >
                {phase === 'starting'
                  ? t('operations.dialog.starting')
                  : destructive
                    ? t('operations.dialog.confirmDestructive', what)
                    : t('operations.dialog.confirm', what)}
              </button>
            )}
            <button
              type="button"
              onClick={onClose}
              className={`${buttonClass} border border-slate-300 bg-white text-slate-800`}
            >
              {t('operations.dialog.cancel')}
            </button>
          </div>
        </div>
      )}
      {/* Last, beside the buttons: a refused start is read where the user just clicked. */}
      {problem && (
        <p
          role="alert"
          data-testid="operation-error"
          className="rounded border border-red-300 bg-red-50 px-3 py-2 text-sm text-red-900"
        >
          {t(problem.key, problem.vars)}
        </p>
      )}
    </ModalDialog>
  );
}
