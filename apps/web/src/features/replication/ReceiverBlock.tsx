import type { WalReceiver } from '@walboard/shared';
import { useI18n } from '../../i18n/i18n.tsx';
import { formatTime } from './format.ts';
import { ReplField } from './ReplField.tsx';

/** The standby's pg_stat_wal_receiver: is it streaming, from where, up to which LSN. */
export function ReceiverBlock({ receiver }: { receiver: WalReceiver | null }) {
  const { t, lang } = useI18n();
  return (
    <section data-testid="node-receiver" className="text-sm">
      <h3 className="font-semibold text-slate-800">{t('replication.receiver.title')}</h3>
      {receiver === null ? (
        <p className="text-slate-600">{t('replication.receiver.none')}</p>
      ) : (
        <dl className="grid grid-cols-[auto_1fr] gap-x-4 gap-y-1">
          <ReplField label="replication.receiver.status" testId="receiver-status">
            {receiver.status}
          </ReplField>
          <ReplField label="replication.receiver.sender" testId="receiver-sender" mono>
            {receiver.senderHost === null
              ? null
              : `${receiver.senderHost}${receiver.senderPort === null ? '' : `:${receiver.senderPort}`}`}
          </ReplField>
          <ReplField
            label="replication.receiver.receivedLsn"
            hint="replication.receiver.receivedLsnHint"
            testId="receiver-received-lsn"
            mono
          >
            {receiver.receivedLsn}
          </ReplField>
          <ReplField label="replication.receiver.lastSend" title={receiver.lastMsgSendTime ?? undefined}>
            {formatTime(receiver.lastMsgSendTime, lang)}
          </ReplField>
          <ReplField
            label="replication.receiver.lastReceipt"
            title={receiver.lastMsgReceiptTime ?? undefined}
          >
            {formatTime(receiver.lastMsgReceiptTime, lang)}
          </ReplField>
        </dl>
      )}
    </section>
  );
}
