import type { ReactNode } from 'react';
import type { MessageKey } from '../../i18n/catalog.ts';
import { useI18n } from '../../i18n/i18n.tsx';

interface Props {
  label: MessageKey;
  hint?: MessageKey;
  testId?: string;
  /** null: the node did not report it (shown as a dash). */
  children: ReactNode | null;
  mono?: boolean;
  title?: string;
  dataValue?: string | number;
}

/** One label/value row of a replication block's <dl>. */
export function ReplField({ label, hint, testId, children, mono = false, title, dataValue }: Props) {
  const { t } = useI18n();
  return (
    <div className="contents">
      <dt className="text-slate-600" title={hint ? t(hint) : undefined}>
        {t(label)}
      </dt>
      <dd className="min-w-0 break-words text-slate-900">
        <span
          data-testid={testId}
          data-value={dataValue}
          title={title}
          className={`${mono ? 'font-mono tabular-nums' : ''} ${children === null ? 'text-slate-500' : ''}`}
        >
          {children === null ? t('replication.value.none') : children}
        </span>
      </dd>
    </div>
  );
}
