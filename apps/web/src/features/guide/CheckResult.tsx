import type { LabCheck, LabText } from '@walboard/shared/guide';
import { useI18n } from '../../i18n/i18n.tsx';
import { labTextMessage } from './lab-view.ts';

function Sentence({ text }: { text: LabText }) {
  const { t } = useI18n();
  const m = labTextMessage(text);
  return <>{m ? t(m.key, m.vars) : `${text.key} ${JSON.stringify(text.params)}`}</>;
}

/** What the last Check of a step read, and when it failed, what is wrong and what to try. */
export function CheckResult({ check }: { check: LabCheck }) {
  const { t, lang } = useI18n();
  return (
    <div
      data-testid="lab-check-result"
      data-state={check.state}
      data-checked-at={check.checkedAt}
      className="space-y-2 text-sm"
    >
      {check.problem && (
        <div
          role="alert"
          data-testid="lab-check-problem"
          data-key={check.problem.key}
          className="rounded border-2 border-red-600 bg-red-50 px-3 py-2 text-red-950"
        >
          <p className="font-semibold">{t('guide.check.problem')}</p>
          <p className="break-words">
            <Sentence text={check.problem} />
          </p>
        </div>
      )}
      {check.facts.length > 0 && (
        <ul className="list-disc space-y-0.5 pl-5 text-slate-800">
          {check.facts.map((f, i) => (
            // Facts are a fixed list per Check, in the order it read them.
            // biome-ignore lint/suspicious/noArrayIndexKey: the order is the identity here
            <li key={i} data-testid="lab-check-fact" data-key={f.key} className="break-words">
              <Sentence text={f} />
            </li>
          ))}
        </ul>
      )}
      <p className="text-xs text-slate-600">
        {t('guide.check.by', { user: check.checkedBy, time: new Date(check.checkedAt).toLocaleString(lang) })}
      </p>
    </div>
  );
}
