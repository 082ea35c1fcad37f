import { useId } from 'react';
import type { MessageKey } from '../../i18n/catalog.ts';
import { useI18n } from '../../i18n/i18n.tsx';
import { errorFor, type FieldError, type FieldRule } from './operation-form.ts';

const ruleText: Record<FieldRule, MessageKey> = {
  name: 'operations.rule.name',
  slotName: 'operations.rule.slotName',
  host: 'operations.rule.host',
  port: 'operations.rule.port',
  path: 'operations.rule.path',
  settingName: 'operations.rule.settingName',
  settingDuplicate: 'operations.rule.settingDuplicate',
  settingValue: 'operations.rule.settingValue',
  settingsEmpty: 'operations.rule.settingsEmpty',
  standbys: 'operations.rule.standbys',
  pickNode: 'operations.rule.pickNode',
  otherNode: 'operations.rule.otherNode',
  confirmDown: 'operations.rule.confirmDown',
};

export const inputClass =
  'w-full rounded border px-2 py-1 font-mono text-sm focus-visible:outline-2 focus-visible:outline-sky-600';

export function FieldErrorText({ id, error }: { id: string; error: FieldError | undefined }) {
  const { t } = useI18n();
  if (!error) return null;
  return (
    <p id={id} data-testid="operation-field-error" className="text-xs text-red-800">
      {error.rule
        ? t(ruleText[error.rule], { setting: error.setting ?? '', message: error.message })
        : error.message}
    </p>
  );
}

interface TextFieldProps {
  field: string;
  label: MessageKey;
  hint?: MessageKey;
  /** Values for the label's and hint's placeholders. */
  vars?: Readonly<Record<string, string>>;
  value: string;
  errors: readonly FieldError[];
  onChange: (value: string) => void;
  placeholder?: string;
  inputMode?: 'numeric' | 'text';
}

export function TextField({
  field,
  label,
  hint,
  vars,
  value,
  errors,
  onChange,
  placeholder,
  inputMode,
}: TextFieldProps) {
  const { t } = useI18n();
  const id = useId();
  const error = errorFor(errors, field);
  return (
    <div className="space-y-1">
      <label htmlFor={id} className="block text-sm font-medium text-slate-800">
        {t(label, vars)}
      </label>
      <input
        id={id}
        data-testid={`operation-field-${field}`}
        value={value}
        placeholder={placeholder}
        inputMode={inputMode}
        spellCheck={false}
        autoComplete="off"
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? `${id}-error` : undefined}
        onChange={(e) => onChange(e.target.value)}
        className={`${inputClass} ${error ? 'border-red-600' : 'border-slate-300'}`}
      />
      {/* The error says the rule again: the hint would repeat it. */}
      {hint && !error && <p className="text-xs text-slate-600">{t(hint, vars)}</p>}
      <FieldErrorText id={`${id}-error`} error={error} />
    </div>
  );
}
