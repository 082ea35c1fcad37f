import { type FormEvent, useId, useState } from 'react';
import { useI18n } from '../../i18n/i18n.tsx';
import { buttonClass, inputClass, primaryButtonClass } from '../users/form-styles.ts';
import { actionFilter, knownActions } from './audit-format.ts';

/** Filter by action (free text with suggestions), checked against the server's pattern before sending. */
export function AuditFilter({ action, onChange }: { action: string; onChange: (action: string) => void }) {
  const { t } = useI18n();
  const id = useId();
  const [text, setText] = useState(action);
  const [invalid, setInvalid] = useState(false);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const next = actionFilter(text);
    setInvalid(next === null);
    if (next !== null) onChange(next);
  };

  return (
    <form onSubmit={submit} noValidate className="flex flex-wrap items-center gap-2">
      <label htmlFor={`${id}-action`} className="text-sm font-medium text-slate-700">
        {t('audit.filter.label')}
      </label>
      <input
        id={`${id}-action`}
        data-testid="audit-filter"
        list={`${id}-actions`}
        spellCheck={false}
        autoComplete="off"
        placeholder={t('audit.filter.placeholder')}
        aria-invalid={invalid}
        aria-describedby={invalid ? `${id}-err` : undefined}
        value={text}
        onChange={(e) => setText(e.target.value)}
        className={inputClass}
      />
      <datalist id={`${id}-actions`}>
        {knownActions.map((a) => (
          <option key={a} value={a} />
        ))}
      </datalist>
      <button type="submit" data-testid="audit-filter-apply" className={primaryButtonClass}>
        {t('audit.filter.apply')}
      </button>
      {action !== '' && (
        <button
          type="button"
          onClick={() => {
            setText('');
            setInvalid(false);
            onChange('');
          }}
          className={buttonClass}
        >
          {t('audit.filter.clear')}
        </button>
      )}
      {invalid && (
        <span id={`${id}-err`} role="alert" className="w-full text-xs text-red-800">
          {t('audit.filter.invalid')}
        </span>
      )}
    </form>
  );
}
