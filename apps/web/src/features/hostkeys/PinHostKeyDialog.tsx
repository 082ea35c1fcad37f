import { useEffect, useRef, useState } from 'react';
import { sendJson } from '../../api/send-json.ts';
import { useI18n } from '../../i18n/i18n.tsx';
import { ModalDialog } from '../operations/ModalDialog.tsx';
import { useSession } from '../session/session-context.ts';
import {
  checkCommand,
  type HostKeyAlarm,
  hostKeyPath,
  type PinProblem,
  pinBody,
  pinProblem,
} from './host-key-view.ts';

interface Props {
  alarm: HostKeyAlarm;
  onClose: () => void;
  onPinned: (fingerprint: string) => void;
}

const buttonClass =
  'rounded px-3 py-1.5 text-sm font-semibold disabled:cursor-not-allowed disabled:opacity-50 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-sky-600';

/**
 * The last look before trusting a key: the fingerprint again, how to check it on the server, and
 * (for a changed key) why not to pin it unless the change is explained.
 */
export function PinHostKeyDialog({ alarm, onClose, onPinned }: Props) {
  const { t } = useI18n();
  const { info, expired } = useSession();
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<PinProblem | null>(null);
  const alive = useRef(true);
  useEffect(
    () => () => {
      alive.current = false;
    },
    [],
  );
  const body = pinBody(alarm);
  const changed = alarm.state === 'mismatch';
  const vars = { node: alarm.node, cluster: alarm.cluster };

  const pin = () => {
    if (!body) return;
    setBusy(true);
    setProblem(null);
    sendJson<unknown>('PUT', hostKeyPath(alarm.cluster, alarm.node), body, info.csrfToken)
      .then(() => {
        if (alive.current) onPinned(body.fingerprint);
      })
      .catch((err: unknown) => {
        if (!alive.current) return;
        const p = pinProblem(err);
        if (p.sessionEnded) expired();
        setProblem(p);
        setBusy(false);
      });
  };

  return (
    <ModalDialog
      title={t(changed ? 'hostkeys.dialog.titleChanged' : 'hostkeys.dialog.title', vars)}
      onClose={onClose}
      testId="hostkey-dialog"
      tone={changed ? 'danger' : 'normal'}
    >
      <p className="text-sm text-slate-800">{t('hostkeys.dialog.compare', vars)}</p>
      <dl className="grid grid-cols-[auto_1fr] gap-x-4 gap-y-1 text-sm">
        {changed && (
          <>
            <dt className="text-slate-600">{t('hostkeys.pinned')}</dt>
            <dd className="font-mono break-all text-slate-900 line-through decoration-red-600">
              {alarm.pinned}
            </dd>
          </>
        )}
        <dt className="text-slate-600">{t(changed ? 'hostkeys.offeredNew' : 'hostkeys.offered')}</dt>
        <dd
          data-testid="hostkey-dialog-fingerprint"
          className="font-mono text-base font-semibold break-all text-slate-900"
        >
          {alarm.offered}
        </dd>
        <dt className="text-slate-600">{t('hostkeys.keyType')}</dt>
        <dd className="font-mono text-slate-900">{alarm.offeredType ?? '—'}</dd>
      </dl>
      <div className="space-y-1 text-sm text-slate-800">
        <p>{t('hostkeys.checkOnServer')}</p>
        <code className="block rounded bg-slate-900 px-2 py-1 font-mono text-xs text-slate-100">
          {checkCommand(alarm.offeredType)}
        </code>
      </div>
      <p
        className={`rounded border px-3 py-2 text-sm ${
          changed
            ? 'border-red-300 bg-red-50 font-semibold text-red-900'
            : 'border-amber-300 bg-amber-50 text-amber-950'
        }`}
      >
        {t(changed ? 'hostkeys.dialog.warningChanged' : 'hostkeys.dialog.warning', vars)}
      </p>
      {problem && (
        <p
          role="alert"
          data-testid="hostkey-error"
          className="rounded border border-red-300 bg-red-50 px-3 py-2 text-sm text-red-900"
        >
          {t(problem.key, problem.vars)}
        </p>
      )}
      <div className="flex flex-wrap gap-2">
        <button
          type="button"
          data-testid="hostkey-confirm"
          disabled={busy || body === null}
          onClick={pin}
          className={`${buttonClass} text-white ${changed ? 'bg-red-700 hover:bg-red-800' : 'bg-sky-700 hover:bg-sky-800'}`}
        >
          {busy
            ? t('hostkeys.dialog.pinning')
            : t(changed ? 'hostkeys.dialog.confirmChanged' : 'hostkeys.dialog.confirm', vars)}
        </button>
        <button
          type="button"
          onClick={onClose}
          className={`${buttonClass} border border-slate-300 bg-white text-slate-800`}
        >
          {t('hostkeys.dialog.cancel')}
        </button>
      </div>
    </ModalDialog>
  );
}
