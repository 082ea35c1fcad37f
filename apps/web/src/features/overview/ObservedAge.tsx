import { useI18n } from '../../i18n/i18n.tsx';
import { ageOf } from './node-view.ts';
import { useNow } from './use-now.ts';

/** "observed 3 s ago", with the exact time on hover; ticks on its own so the card does not re-render. */
export function ObservedAge({ observedAt }: { observedAt: string }) {
  const { t, lang } = useI18n();
  const now = useNow(1000);
  const age = ageOf(observedAt, now);
  if (!age) {
    // Unparsable: show what the server sent rather than guess.
    return <span data-testid="node-observed">{observedAt}</span>;
  }
  const local = new Date(observedAt).toLocaleString(lang, { dateStyle: 'short', timeStyle: 'medium' });
  return (
    <time
      data-testid="node-observed"
      dateTime={observedAt}
      title={t('node.observed.at', { local, iso: observedAt })}
      className="tabular-nums"
    >
      {age.unit === 'seconds'
        ? t('node.observed.seconds', { seconds: age.value })
        : t('node.observed.minutes', { minutes: age.value })}
    </time>
  );
}
