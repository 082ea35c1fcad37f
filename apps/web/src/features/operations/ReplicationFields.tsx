import type { Role } from '@walboard/shared';
import { useId } from 'react';
import type { MessageKey } from '../../i18n/catalog.ts';
import { useI18n } from '../../i18n/i18n.tsx';
import { FieldErrorText, inputClass, TextField } from './FieldParts.tsx';
import {
  BACKUP_METHODS,
  errorFor,
  FENCE_CHOICES,
  type FenceChoice,
  type FieldError,
  type NodeChoice,
  type OperationForm,
  otherNodes,
  PROMOTE_METHODS,
} from './operation-form.ts';

/** What every field of a replication operation gets: the form, its errors, and the cluster's nodes. */
interface FieldProps {
  form: OperationForm;
  errors: readonly FieldError[];
  onChange: (form: OperationForm) => void;
  nodes: readonly NodeChoice[];
}

const roleText: Record<Role, MessageKey> = {
  primary: 'node.role.primary',
  standby: 'node.role.standby',
  unknown: 'node.role.unknown',
};

const backupMethodHint: Record<OperationForm['backupMethod'], MessageKey> = {
  pg_basebackup: 'operations.backupMethod.pg_basebackup',
  lab: 'operations.backupMethod.lab',
};

const promoteMethodHint: Record<OperationForm['promoteMethod'], MessageKey> = {
  auto: 'operations.promoteMethod.auto',
  'trigger-file': 'operations.promoteMethod.trigger-file',
  pg_ctl: 'operations.promoteMethod.pg_ctl',
  pg_promote: 'operations.promoteMethod.pg_promote',
};

const fenceText: Record<FenceChoice, { label: MessageKey; hint: MessageKey }> = {
  none: { label: 'operations.fence.none', hint: 'operations.fence.noneHint' },
  'stop-old-primary': {
    label: 'operations.fence.stop-old-primary',
    hint: 'operations.fence.stop-old-primaryHint',
  },
  'confirmed-down': { label: 'operations.fence.confirmed-down', hint: 'operations.fence.confirmed-downHint' },
};

const labelClass = 'block text-sm font-medium text-slate-800';
const hintClass = 'text-xs text-slate-600';
const borderFor = (error: FieldError | undefined) => (error ? 'border-red-600' : 'border-slate-300');

/** "h2 (Standby)": the role helps pick the right node when names say little. */
function useNodeText(): (node: NodeChoice) => string {
  const { t } = useI18n();
  return (node) => t('operations.field.nodeOption', { node: node.name, role: t(roleText[node.role]) });
}

/** One checkbox per other node of the cluster; kept in the cluster's order whatever the click order. */
export function StandbysField({ form, errors, onChange, nodes }: FieldProps) {
  const { t } = useI18n();
  const id = useId();
  const nodeText = useNodeText();
  const others = otherNodes(nodes, form.node);
  const error = errorFor(errors, 'standbys');
  const toggle = (name: string, on: boolean) => {
    const chosen = new Set(form.standbys);
    if (on) chosen.add(name);
    else chosen.delete(name);
    // Names typed into an earlier form (Plan again) that are no node now stay, so the server says so.
    const known = others.map((n) => n.name).filter((n) => chosen.has(n));
    const unknown = form.standbys.filter((n) => chosen.has(n) && !others.some((o) => o.name === n));
    onChange({ ...form, standbys: [...known, ...unknown] });
  };
  return (
    <fieldset className="space-y-1" aria-describedby={error ? `${id}-error` : `${id}-hint`}>
      <legend className={labelClass}>{t('operations.field.standbys')}</legend>
      {others.length === 0 ? (
        <p className={hintClass}>{t('operations.field.noOtherNodes')}</p>
      ) : (
        <ul className="flex flex-wrap gap-x-4 gap-y-1">
          {others.map((n) => (
            <li key={n.name}>
              <label className="inline-flex items-center gap-1.5 text-sm text-slate-900">
                <input
                  type="checkbox"
                  data-testid={`operation-field-standbys-${n.name}`}
                  checked={form.standbys.includes(n.name)}
                  onChange={(e) => toggle(n.name, e.target.checked)}
                  className="size-4 accent-sky-700"
                />
                <span className="font-mono">{nodeText(n)}</span>
              </label>
            </li>
          ))}
        </ul>
      )}
      {!error && (
        <p id={`${id}-hint`} className={hintClass}>
          {t('operations.field.standbysHint', { node: form.node })}
        </p>
      )}
      <FieldErrorText id={`${id}-error`} error={error} />
    </fieldset>
  );
}

interface NodeSelectProps extends FieldProps {
  field: 'from' | 'primary';
  label: MessageKey;
  hint: MessageKey;
}

/** A select of the cluster's other nodes (base-backup's source, a standby's primary). */
export function NodeSelectField({ form, errors, onChange, nodes, field, label, hint }: NodeSelectProps) {
  const { t } = useI18n();
  const id = useId();
  const nodeText = useNodeText();
  const others = otherNodes(nodes, form.node);
  const value = form[field];
  const error = errorFor(errors, field);
  // A value from an earlier form that is no other node now stays visible (and the server refuses it).
  const stale = value !== '' && !others.some((n) => n.name === value);
  return (
    <div className="space-y-1">
      <label htmlFor={id} className={labelClass}>
        {t(label)}
      </label>
      <select
        id={id}
        data-testid={`operation-field-${field}`}
        value={value}
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? `${id}-error` : `${id}-hint`}
        onChange={(e) => onChange({ ...form, [field]: e.target.value })}
        className={`${inputClass} ${borderFor(error)}`}
      >
        {value === '' && (
          <option value="" disabled>
            {t('operations.field.pickNode')}
          </option>
        )}
        {stale && <option value={value}>{value}</option>}
        {others.map((n) => (
          <option key={n.name} value={n.name}>
            {nodeText(n)}
          </option>
        ))}
      </select>
      {!error && (
        <p id={`${id}-hint`} className={hintClass}>
          {others.length === 0 ? t('operations.field.noOtherNodes') : t(hint, { node: form.node })}
        </p>
      )}
      <FieldErrorText id={`${id}-error`} error={error} />
    </div>
  );
}

interface CheckboxProps extends FieldProps {
  field: 'slots' | 'overwriteInUse';
  label: MessageKey;
  hint: MessageKey;
}

export function CheckboxField({ form, errors, onChange, field, label, hint }: CheckboxProps) {
  const { t } = useI18n();
  const id = useId();
  const error = errorFor(errors, field);
  return (
    <div className="space-y-1">
      <label className="inline-flex items-start gap-2 text-sm text-slate-900">
        <input
          type="checkbox"
          data-testid={`operation-field-${field}`}
          checked={form[field]}
          aria-describedby={error ? `${id}-error` : `${id}-hint`}
          onChange={(e) => onChange({ ...form, [field]: e.target.checked })}
          className="mt-0.5 size-4 accent-sky-700"
        />
        <span className="font-medium">{t(label, { node: form.node })}</span>
      </label>
      {!error && (
        <p id={`${id}-hint`} className={`${hintClass} pl-6`}>
          {t(hint, { node: form.node })}
        </p>
      )}
      <FieldErrorText id={`${id}-error`} error={error} />
    </div>
  );
}

interface MethodSelectProps<M extends string> {
  value: M;
  methods: readonly M[];
  hints: Record<M, MessageKey>;
  label: MessageKey;
  error: FieldError | undefined;
  onChange: (method: M) => void;
}

/** A select of methods, with the picked one's explanation under it. */
function MethodSelect<M extends string>({
  value,
  methods,
  hints,
  label,
  error,
  onChange,
}: MethodSelectProps<M>) {
  const { t } = useI18n();
  const id = useId();
  return (
    <div className="space-y-1">
      <label htmlFor={id} className={labelClass}>
        {t(label)}
      </label>
      <select
        id={id}
        data-testid="operation-field-method"
        value={value}
        aria-describedby={error ? `${id}-error` : `${id}-hint`}
        onChange={(e) => {
          const picked = methods.find((m) => m === e.target.value);
          if (picked) onChange(picked);
        }}
        className={`${inputClass} ${borderFor(error)}`}
      >
        {methods.map((m) => (
          <option key={m} value={m}>
            {m}
          </option>
        ))}
      </select>
      {!error && (
        <p id={`${id}-hint`} className={hintClass}>
          {t(hints[value])}
        </p>
      )}
      <FieldErrorText id={`${id}-error`} error={error} />
    </div>
  );
}

export function BackupMethodField({ form, errors, onChange }: FieldProps) {
  return (
    <MethodSelect
      value={form.backupMethod}
      methods={BACKUP_METHODS}
      hints={backupMethodHint}
      label="operations.field.backupMethod"
      error={errorFor(errors, 'method')}
      onChange={(backupMethod) => onChange({ ...form, backupMethod })}
    />
  );
}

export function PromoteMethodField({ form, errors, onChange }: FieldProps) {
  return (
    <MethodSelect
      value={form.promoteMethod}
      methods={PROMOTE_METHODS}
      hints={promoteMethodHint}
      label="operations.field.promoteMethod"
      error={errorFor(errors, 'method')}
      onChange={(promoteMethod) => onChange({ ...form, promoteMethod })}
    />
  );
}

/**
 * promote's fence: none, walboard stops the old primary, or the user confirms it is down by
 * typing its name (a deliberate act, not a click that could be a slip).
 */
export function FenceField({ form, errors, onChange }: FieldProps) {
  const { t } = useI18n();
  const name = useId();
  const error = errorFor(errors, 'fence');
  return (
    <fieldset className="space-y-2" aria-describedby={error ? `${name}-error` : undefined}>
      <legend className={labelClass}>{t('operations.field.fence')}</legend>
      <ul className="space-y-1.5">
        {FENCE_CHOICES.map((choice) => (
          <li key={choice}>
            <label className="flex items-start gap-2 text-sm text-slate-900">
              <input
                type="radio"
                name={name}
                value={choice}
                data-testid={`operation-field-fence-${choice}`}
                checked={form.fence === choice}
                aria-describedby={`${name}-${choice}-hint`}
                onChange={() => onChange({ ...form, fence: choice })}
                className="mt-0.5 size-4 accent-sky-700"
              />
              <span>
                <span className="font-medium">{t(fenceText[choice].label)}</span>
                <span id={`${name}-${choice}-hint`} className={`block ${hintClass}`}>
                  {t(fenceText[choice].hint)}
                </span>
              </span>
            </label>
          </li>
        ))}
      </ul>
      <FieldErrorText id={`${name}-error`} error={error} />
      {form.fence === 'confirmed-down' && (
        <div className="pl-6">
          <TextField
            field="confirmDown"
            label="operations.field.confirmDown"
            hint="operations.field.confirmDownHint"
            value={form.confirmDown}
            errors={errors}
            onChange={(confirmDown) => onChange({ ...form, confirmDown })}
          />
        </div>
      )}
    </fieldset>
  );
}
