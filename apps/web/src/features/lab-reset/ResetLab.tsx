import { type Health, healthSchema } from '@walboard/shared/api';
import { labResetResultSchema } from '@walboard/shared/guide';
import { useEffect, useRef, useState } from 'react';
import { getJson } from '../../api/get-json.ts';
import { sendJson } from '../../api/send-json.ts';
import { useI18n } from '../../i18n/i18n.tsx';
import { ModalDialog } from '../operations/ModalDialog.tsx';
import { useCan, useSession } from '../session/session-context.ts';
import { type ResetProblem, resetProblem } from './reset-problem.ts';

type Phase =
  | { kind: 'confirm' }
  | { kind: 'running'; since: number }
  | { kind: 'done'; seconds: number }
  | { kind: 'failed'; problem: ResetProblem };

const buttonClass =
  'rounded px-3 py-1.5 text-sm font-semibold disabled:cursor-not-allowed disabled:opacity-50 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-sky-600';

/** Whether this server is the embedded lab that can reset itself (GET /api/health says labReset). */
function useLabResettable(): boolean {
  const [resettable, setResettable] = useState(false);
  useEffect(() => {
    const ctl = new AbortController();
    getJson<Health>('/api/health', ctl.signal)
      .then((body) => setResettable(healthSchema.safeParse(body).data?.labReset === true))
      .catch(() => setResettable(false));
    return () => ctl.abort();
  }, []);
  return resettable;
}

/**
 * "Reset lab" (admins, embedded lab only): after a confirmation that says what is lost, both lab
 * servers are stopped, wiped and made again; the dialog follows it and tells the time it took.
 */
export function ResetLab() {
  const { t } = useI18n();
  const { info, expired } = useSession();
  const isAdmin = useCan('admin');
  const resettable = useLabResettable();
  const [phase, setPhase] = useState<Phase | null>(null);
  const [now, setNow] = useState(() => Date.now());
  const mounted = useRef(true);
  useEffect(
    () => () => {
      mounted.current = false;
    },
    [],
  );
  useEffect(() => {
    if (phase?.kind !== 'running') return;
    const timer = setInterval(() => setNow(Date.now()), 500);
    return () => clearInterval(timer);
  }, [phase?.kind]);

  if (!isAdmin || !resettable) return null;

  const reset = () => {
    const since = Date.now();
    setNow(since);
    setPhase({ kind: 'running', since });
    sendJson<unknown>('POST', '/api/lab/reset', { confirm: true }, info.csrfToken)
      .then((body) => {
        const parsed = labResetResultSchema.safeParse(body);
        if (!mounted.current) return;
        setPhase(
          parsed.success
            ? { kind: 'done', seconds: parsed.data.seconds }
            : { kind: 'failed', problem: { key: 'labReset.error.answer' } },
        );
      })
      .catch((err: unknown) => {
        const problem = resetProblem(err);
        if (problem.sessionEnded) expired();
        if (mounted.current) setPhase({ kind: 'failed', problem });
      });
  };
  // While the reset runs the dialog stays: closing it would hide whether the lab came back.
  const close = () => setPhase((p) => (p?.kind === 'running' ? p : null));

  return (
    <>
      <button
        type="button"
        data-testid="lab-reset-open"
        onClick={() => setPhase({ kind: 'confirm' })}
        className={`${buttonClass} border border-red-300 bg-white text-red-800 hover:bg-red-50`}
      >
        {t('labReset.button')}
      </button>
      {phase && (
        <ModalDialog title={t('labReset.title')} onClose={close} testId="lab-reset-dialog" tone="danger">
          {phase.kind === 'confirm' && (
            <>
              <p className="text-sm text-slate-800">{t('labReset.intro')}</p>
              <ul className="list-disc space-y-1 pl-5 text-sm text-slate-800">
                <li>{t('labReset.loses.data')}</li>
                <li>{t('labReset.loses.archive')}</li>
                <li>{t('labReset.loses.config')}</li>
                <li>{t('labReset.loses.progress')}</li>
              </ul>
              <p className="text-sm text-slate-800">{t('labReset.after')}</p>
              <div className="flex flex-wrap gap-2">
                <button
                  type="button"
                  data-testid="lab-reset-confirm"
                  onClick={reset}
                  className={`${buttonClass} bg-red-700 text-white hover:bg-red-800`}
                >
                  {t('labReset.confirm')}
                </button>
                <button
                  type="button"
                  onClick={close}
                  className={`${buttonClass} border border-slate-300 bg-white text-slate-800 hover:bg-slate-50`}
                >
                  {t('labReset.cancel')}
                </button>
              </div>
            </>
          )}
          {phase.kind === 'running' && (
            <p role="status" data-testid="lab-reset-progress" className="text-sm text-slate-800">
              {t('labReset.running', { seconds: Math.max(0, Math.floor((now - phase.since) / 1000)) })}
            </p>
          )}
          {phase.kind === 'done' && (
            <>
              <p
                role="status"
                data-testid="lab-reset-done"
                data-seconds={phase.seconds}
                className="rounded border border-green-300 bg-green-50 px-3 py-2 text-sm text-green-900"
              >
                {t('labReset.done', { seconds: phase.seconds })}
              </p>
              <button
                type="button"
                onClick={close}
                className={`${buttonClass} border border-slate-300 bg-white text-slate-800 hover:bg-slate-50`}
              >
                {t('labReset.close')}
              </button>
            </>
          )}
          {phase.kind === 'failed' && (
            <>
              <p
                role="alert"
                data-testid="lab-reset-error"
                className="rounded border border-red-300 bg-red-50 px-3 py-2 text-sm text-red-900"
              >
                {t(phase.problem.key, phase.problem.vars)}
              </p>
              <button
                type="button"
                onClick={close}
                className={`${buttonClass} border border-slate-300 bg-white text-slate-800 hover:bg-slate-50`}
              >
                {t('labReset.close')}
              </button>
            </>
          )}
        </ModalDialog>
      )}
    </>
  );
}
