import type { LossCheck } from '@walboard/shared/operations';
import { type ReactNode, useId } from 'react';
import type { MessageKey } from '../../i18n/catalog.ts';
import { useI18n } from '../../i18n/i18n.tsx';
import { type ByteCount, type FenceAdvice, lossCheckView } from './loss-check.ts';

const stateText: Record<LossCheck['oldPrimaryState'], MessageKey> = {
  writable: 'operations.loss.state.writable',
  down: 'operations.loss.state.down',
  unreachable: 'operations.loss.state.unreachable',
  none: 'operations.loss.state.none',
};

const adviceText: Record<FenceAdvice, MessageKey> = {
  needed: 'operations.loss.fence.needed',
  stopped: 'operations.loss.fence.stopped',
  unreachable: 'operations.loss.fence.unreachable',
  none: 'operations.loss.fence.none',
};

function LossRow({ label, testId, children }: { label: string; testId: string; children: ReactNode }) {
  return (
    <div className="contents">
      <dt className="text-slate-700">{label}</dt>
      <dd data-testid={testId} className="font-mono text-slate-950">
        {children}
      </dd>
    </div>
  );
}

function Bytes({ count, testId, label }: { count: ByteCount | null; testId: string; label: string }) {
  const { t } = useI18n();
  return (
    <LossRow label={label} testId={testId}>
      {count === null ? (
        <span className="text-slate-600">{t('operations.loss.unknown')}</span>
      ) : (
        <span data-bytes={count.raw} className={count.zero ? '' : 'font-semibold text-red-800'}>
          {count.text}
        </span>
      )}
    </LossRow>
  );
}

/**
 * What a promotion of `node` would lose, shown before the confirm: the old primary and its state,
 * the three WAL positions, the bytes not received (lost) and not yet replayed (waited for), and
 * whether a fence is needed. Red when the server would refuse without a fence.
 */
export function LossCheckBox({ lossCheck, node }: { lossCheck: LossCheck; node: string }) {
  const { t } = useI18n();
  const headingId = useId();
  const view = lossCheckView(lossCheck);
  const lsn = (value: string | null) => value ?? t('operations.loss.unknown');
  const alarming = view.advice === 'needed' || (view.unreceived !== null && !view.unreceived.zero);
  return (
    <section
      aria-labelledby={headingId}
      data-testid="operation-loss-check"
      data-old-primary-state={lossCheck.oldPrimaryState}
      data-fence-needed={String(lossCheck.fenceNeeded)}
      className={`space-y-2 rounded border-2 px-3 py-2 text-sm ${
        alarming ? 'border-red-600 bg-red-50' : 'border-amber-400 bg-amber-50'
      }`}
    >
      <h3 id={headingId} className="font-semibold text-slate-950">
        {t('operations.loss.heading')}
      </h3>
      <dl className="grid grid-cols-[auto_1fr] gap-x-4 gap-y-0.5">
        <LossRow label={t('operations.loss.oldPrimary')} testId="loss-old-primary">
          {lossCheck.oldPrimary ?? t('operations.loss.noOldPrimary')}
          <span className="font-sans text-slate-700"> — {t(stateText[lossCheck.oldPrimaryState])}</span>
        </LossRow>
        <LossRow label={t('operations.loss.primaryLsn')} testId="loss-primary-lsn">
          {lsn(lossCheck.primaryLsn)}
        </LossRow>
        <LossRow label={t('operations.loss.receivedLsn', { node })} testId="loss-received-lsn">
          {lsn(lossCheck.receivedLsn)}
        </LossRow>
        <LossRow label={t('operations.loss.replayedLsn', { node })} testId="loss-replayed-lsn">
          {lsn(lossCheck.replayedLsn)}
        </LossRow>
        <Bytes
          count={view.unreceived}
          testId="loss-unreceived"
          label={t('operations.loss.unreceived', { node })}
        />
        <Bytes count={view.unreplayed} testId="loss-unreplayed" label={t('operations.loss.unreplayed')} />
      </dl>
      <p data-testid="loss-fence" data-advice={view.advice} className="font-medium text-slate-950">
        {t(adviceText[view.advice], { oldPrimary: lossCheck.oldPrimary ?? '—' })}
      </p>
    </section>
  );
}
