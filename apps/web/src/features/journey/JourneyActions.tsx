import { type LabActionRequest, type LabActionResult, labActionResultSchema } from '@walboard/shared/guide';
import { useState } from 'react';
import { isUnauthenticated } from '../../api/get-json.ts';
import { sendJson } from '../../api/send-json.ts';
import type { MessageKey, MessageVars } from '../../i18n/catalog.ts';
import { useI18n } from '../../i18n/i18n.tsx';
import { problemText } from '../session/request-problem.ts';
import { useCan, useSession } from '../session/session-context.ts';

/** Rows the "write rows" button writes: enough WAL to see the segment fill, little enough to be instant. */
export const JOURNEY_ROWS = 1000;

export const labActionsPath = (cluster: string) => `/api/clusters/${encodeURIComponent(cluster)}/lab/actions`;

interface Outcome {
  tone: 'ok' | 'error';
  key: MessageKey;
  vars?: MessageVars;
}

function doneText(request: LabActionRequest, result: LabActionResult, rows: string): Outcome {
  if (request.action === 'write-rows')
    return { tone: 'ok', key: 'journey.actions.wrote', vars: { rows, node: result.node, lsn: result.lsn } };
  return result.closedSegment
    ? {
        tone: 'ok',
        key: 'journey.actions.switched',
        vars: { segment: result.closedSegment, node: result.node },
      }
    : { tone: 'ok', key: 'journey.actions.nothingToSwitch', vars: { node: result.node } };
}

const buttonClass =
  'rounded border border-sky-700 bg-sky-700 px-3 py-1.5 text-sm font-semibold text-white hover:bg-sky-800 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-sky-600 disabled:cursor-not-allowed disabled:border-slate-400 disabled:bg-slate-400';

/**
 * The two buttons a student uses to cause what the picture shows: write rows on the primary,
 * close its current segment. Operators and admins only; the server checks the role again.
 */
export function JourneyActions({ cluster, node }: { cluster: string; node: string }) {
  const { t, lang } = useI18n();
  const { info, expired } = useSession();
  const canOperate = useCan('operator');
  const [busy, setBusy] = useState<LabActionRequest['action'] | null>(null);
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  if (!canOperate) return null;

  const rows = JOURNEY_ROWS.toLocaleString(lang);
  const run = async (request: LabActionRequest) => {
    setBusy(request.action);
    setOutcome(null);
    try {
      const answer = await sendJson<unknown>('POST', labActionsPath(cluster), request, info.csrfToken);
      const result = labActionResultSchema.parse(answer);
      setOutcome(doneText(request, result, rows));
    } catch (err) {
      if (isUnauthenticated(err)) {
        expired();
        return;
      }
      setOutcome({ tone: 'error', ...problemText(err) });
    } finally {
      setBusy(null);
    }
  };

  return (
    <div className="space-y-2">
      <div className="flex flex-wrap gap-2">
        <button
          type="button"
          data-testid="journey-write-rows"
          disabled={busy !== null}
          aria-busy={busy === 'write-rows'}
          onClick={() => void run({ action: 'write-rows', node, rows: JOURNEY_ROWS })}
          className={buttonClass}
        >
          {t('journey.actions.write', { rows })}
        </button>
        <button
          type="button"
          data-testid="journey-switch-wal"
          disabled={busy !== null}
          aria-busy={busy === 'switch-wal'}
          onClick={() => void run({ action: 'switch-wal', node })}
          className={buttonClass}
        >
          {t('journey.actions.switch')}
        </button>
      </div>
      <p className="text-xs text-slate-600">{t('journey.actions.hint', { node })}</p>
      {/* Always in the page, so screen readers announce what changes inside it. */}
      <div aria-live="polite" data-testid="journey-action-outcome" data-tone={outcome?.tone ?? ''}>
        {outcome && (
          <p
            role={outcome.tone === 'error' ? 'alert' : undefined}
            className={`rounded border px-3 py-2 text-sm break-words ${
              outcome.tone === 'error'
                ? 'border-red-300 bg-red-50 text-red-950'
                : 'border-emerald-300 bg-emerald-50 text-emerald-950'
            }`}
          >
            {t(outcome.key, outcome.vars)}
          </p>
        )}
      </div>
    </div>
  );
}
