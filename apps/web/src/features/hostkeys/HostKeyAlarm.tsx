import type { NodeStatus } from '@walboard/shared';
import { useState } from 'react';
import { useI18n } from '../../i18n/i18n.tsx';
import { useCan } from '../session/session-context.ts';
import { checkCommand, hostKeyAlarm } from './host-key-view.ts';
import { PinHostKeyDialog } from './PinHostKeyDialog.tsx';

/**
 * On a node card: walboard does not connect to this node because its ssh host key is not pinned
 * (amber) or is not the pinned one (red). Shows the offered fingerprint to compare and, for
 * admins, the way to pin it.
 */
export function HostKeyAlarm({ status }: { status: NodeStatus }) {
  const { t } = useI18n();
  const isAdmin = useCan('admin');
  const [confirming, setConfirming] = useState(false);
  // The fingerprint just pinned: until the next status says "pinned", say that it is connecting.
  const [pinnedNow, setPinnedNow] = useState<string | null>(null);
  const alarm = hostKeyAlarm(status);
  if (!alarm) return null;

  const changed = alarm.state === 'mismatch';
  const justPinned = pinnedNow !== null && pinnedNow === alarm.offered;
  const node = alarm.node;

  return (
    <>
      <div
        role={changed ? 'alert' : 'status'}
        data-testid={`hostkey-alarm-${node}`}
        data-state={alarm.state}
        className={`space-y-2 rounded border px-3 py-2 text-sm ${
          changed
            ? 'border-2 border-red-600 bg-red-50 text-red-950'
            : 'border-amber-300 bg-amber-50 text-amber-950'
        }`}
      >
        <p className="font-semibold">
          <span aria-hidden="true">⚠ </span>
          {t(changed ? 'hostkeys.alarm.changed' : 'hostkeys.alarm.unknown')}
        </p>
        {changed && <p>{t('hostkeys.alarm.changedExplain')}</p>}
        <dl className="grid grid-cols-[auto_1fr] gap-x-3 gap-y-0.5">
          {changed && (
            <>
              <dt>{t('hostkeys.pinned')}</dt>
              <dd data-testid={`hostkey-pinned-${node}`} className="min-w-0 font-mono text-xs break-all">
                {alarm.pinned ?? '—'}
              </dd>
            </>
          )}
          <dt>{t(changed ? 'hostkeys.offeredNew' : 'hostkeys.offered')}</dt>
          <dd data-testid={`hostkey-offered-${node}`} className="min-w-0 font-mono text-xs break-all">
            {alarm.offered ?? t('hostkeys.noneOffered')}
          </dd>
          <dt>{t('hostkeys.keyType')}</dt>
          <dd className="font-mono text-xs">{alarm.offeredType ?? '—'}</dd>
        </dl>
        <p className="text-xs">
          {t('hostkeys.checkOnServer')}{' '}
          <code className="rounded bg-white/70 px-1 font-mono break-all">
            {checkCommand(alarm.offeredType)}
          </code>
        </p>
        {justPinned ? (
          <p data-testid={`hostkey-pinned-notice-${node}`} className="text-xs font-semibold">
            {t('hostkeys.pinnedConnecting')}
          </p>
        ) : isAdmin ? (
          alarm.offered !== null && (
            <button
              type="button"
              data-testid={`hostkey-pin-${node}`}
              onClick={() => setConfirming(true)}
              className={`rounded px-3 py-1 text-xs font-semibold text-white focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-sky-600 ${
                changed ? 'bg-red-700 hover:bg-red-800' : 'bg-amber-700 hover:bg-amber-800'
              }`}
            >
              {t(changed ? 'hostkeys.pinNew' : 'hostkeys.pin')}
            </button>
          )
        ) : (
          <p className="text-xs">{t('hostkeys.askAdmin')}</p>
        )}
      </div>
      {/* Outside the alert region: the dialog is not part of what the alarm announces. */}
      {confirming && (
        <PinHostKeyDialog
          alarm={alarm}
          onClose={() => setConfirming(false)}
          onPinned={(fp) => {
            setPinnedNow(fp);
            setConfirming(false);
          }}
        />
      )}
    </>
  );
}
