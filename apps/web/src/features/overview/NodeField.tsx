import type { MessageKey } from '../../i18n/catalog.ts';
import { useI18n } from '../../i18n/i18n.tsx';

interface Props {
  label: MessageKey;
  /** Explains the value to someone learning replication; shown on hover. */
  hint?: MessageKey;
  /** Shown exactly as received; null means the node did not report it. */
  value: string | number | null;
  testId: string;
  mono?: boolean;
}

/** One label/value row of a node card's <dl>. */
export function NodeField({ label, hint, value, testId, mono = false }: Props) {
  const { t } = useI18n();
  return (
    <div className="contents">
      <dt className="text-slate-600" title={hint ? t(hint) : undefined}>
        {t(label)}
      </dt>
      <dd className="min-w-0 break-words text-slate-900">
        {value === null ? (
          <>
            <span data-testid={testId} aria-hidden="true" className="text-slate-500">
              {t('node.value.none')}
            </span>
            <span className="sr-only">{t('node.value.noneLabel')}</span>
          </>
        ) : (
          <span data-testid={testId} className={mono ? 'font-mono tabular-nums' : undefined}>
            {String(value)}
          </span>
        )}
      </dd>
    </div>
  );
}
