import type { Operation } from '@walboard/shared/operations';
import { operationSchema } from '@walboard/shared/operations';
import { useEffect, useId, useRef, useState } from 'react';
import { sendJson } from '../../api/send-json.ts';
import type { MessageKey } from '../../i18n/catalog.ts';
import { useI18n } from '../../i18n/i18n.tsx';
import { useCan, useSession } from '../session/session-context.ts';
import { cancelProblem, type ProblemText } from './operation-errors.ts';
import { type CancelBlock, cancelBlocked } from './operation-state.ts';
import { cancelPath } from './use-operations.ts';

const blockedText: Record<CancelBlock, MessageKey> = {
  requested: 'operations.run.cancelRequested',
  critical: 'operations.run.cancelCritical',
};

/**
 * The Cancel button of a running operation (operators). The answer carries the operation with
 * cancelRequested set; it is handed to `onReport` so the button changes before the next event.
 */
export function CancelOperation({
  operation,
  onReport,
}: {
  operation: Operation;
  onReport: (operation: Operation) => void;
}) {
  const { t } = useI18n();
  const { info, expired } = useSession();
  const canOperate = useCan('operator');
  const reasonId = useId();
  const [sending, setSending] = useState(false);
  const [problem, setProblem] = useState<ProblemText | null>(null);
  const mounted = useRef(true);
  useEffect(
    () => () => {
      mounted.current = false;
    },
    [],
  );

  if (operation.state !== 'running') return null;
  const blocked = cancelBlocked(operation);
  // Everyone reads that a cancel is pending; only operators get the button.
  if (!canOperate && blocked !== 'requested') return null;

  const cancel = () => {
    setSending(true);
    setProblem(null);
    sendJson<unknown>('POST', cancelPath(operation.id), {}, info.csrfToken)
      .then((body) => {
        const parsed = operationSchema.safeParse(body);
        if (parsed.success && mounted.current) onReport(parsed.data);
      })
      .catch((err: unknown) => {
        const p = cancelProblem(err);
        if (p.sessionEnded) expired();
        if (mounted.current) setProblem(p);
      })
      .finally(() => {
        if (mounted.current) setSending(false);
      });
  };

  return (
    <div className="flex flex-wrap items-center gap-2">
      {canOperate && (
        <button
          type="button"
          data-testid="operation-cancel"
          disabled={blocked !== null || sending}
          aria-describedby={blocked ? reasonId : undefined}
          onClick={cancel}
          className="rounded border border-red-300 bg-white px-3 py-1 text-sm font-semibold text-red-800 hover:bg-red-50 focus-visible:outline-2 focus-visible:outline-red-700 disabled:cursor-not-allowed disabled:opacity-50"
        >
          {sending ? t('operations.run.cancelling') : t('operations.run.cancel')}
        </button>
      )}
      {blocked && (
        <span id={reasonId} data-testid="operation-cancel-reason" className="text-xs text-slate-700">
          {t(blockedText[blocked])}
        </span>
      )}
      {problem && (
        <span role="alert" data-testid="operation-cancel-error" className="text-xs text-red-800">
          {t(problem.key, problem.vars)}
        </span>
      )}
    </div>
  );
}
