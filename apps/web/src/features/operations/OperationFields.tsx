import { SETTING_NAMES, type SettingName } from '@walboard/shared/operations';
import { type ReactNode, useId } from 'react';
import type { MessageKey } from '../../i18n/catalog.ts';
import { useI18n } from '../../i18n/i18n.tsx';
import { FieldErrorText, inputClass, TextField } from './FieldParts.tsx';
import { errorFor, type FieldError, type NodeChoice, type OperationForm } from './operation-form.ts';
import {
  BackupMethodField,
  CheckboxField,
  FenceField,
  NodeSelectField,
  PromoteMethodField,
  StandbysField,
} from './ReplicationFields.tsx';

interface Props {
  form: OperationForm;
  errors: readonly FieldError[];
  onChange: (form: OperationForm) => void;
}

const modeHint: Record<OperationForm['mode'], MessageKey> = {
  smart: 'operations.mode.smart',
  fast: 'operations.mode.fast',
  immediate: 'operations.mode.immediate',
};

function SettingsFields({ form, errors, onChange }: Props) {
  const { t } = useI18n();
  const baseId = useId();
  const setRow = (i: number, row: { name: SettingName; value: string }) =>
    onChange({ ...form, settings: form.settings.map((s, j) => (j === i ? row : s)) });
  const unused = SETTING_NAMES.find((n) => !form.settings.some((s) => s.name === n));
  return (
    <fieldset className="space-y-2">
      <legend className="text-sm font-medium text-slate-800">{t('operations.field.settings')}</legend>
      {form.settings.map((row, i) => {
        const nameError = errorFor(errors, `settings.${i}.name`);
        const valueError = errorFor(errors, `settings.${i}.value`);
        return (
          // biome-ignore lint/suspicious/noArrayIndexKey: rows are edited in place; names may repeat while typing
          <div key={i} className="grid grid-cols-[minmax(0,14rem)_1fr_auto] items-start gap-2">
            <select
              aria-label={t('operations.field.settingName')}
              data-testid={`operation-field-settings.${i}.name`}
              value={row.name}
              onChange={(e) => setRow(i, { ...row, name: e.target.value as SettingName })}
              className={`${inputClass} ${nameError ? 'border-red-600' : 'border-slate-300'}`}
            >
              {SETTING_NAMES.map((n) => (
                <option key={n} value={n}>
                  {n}
                </option>
              ))}
            </select>
            <input
              aria-label={t('operations.field.settingValue', { setting: row.name })}
              data-testid={`operation-field-settings.${i}.value`}
              value={row.value}
              spellCheck={false}
              autoComplete="off"
              aria-invalid={valueError ? true : undefined}
              onChange={(e) => setRow(i, { ...row, value: e.target.value })}
              className={`${inputClass} ${valueError ? 'border-red-600' : 'border-slate-300'}`}
            />
            <button
              type="button"
              disabled={form.settings.length === 1}
              onClick={() => onChange({ ...form, settings: form.settings.filter((_, j) => j !== i) })}
              className="rounded border border-slate-300 px-2 py-1 text-sm disabled:opacity-40"
            >
              {t('operations.field.removeSetting')}
            </button>
            <div className="col-span-3">
              <FieldErrorText id={`${baseId}-${i}-name`} error={nameError} />
              <FieldErrorText id={`${baseId}-${i}-value`} error={valueError} />
            </div>
          </div>
        );
      })}
      <FieldErrorText id={`${baseId}-all`} error={errorFor(errors, 'settings')} />
      {unused && (
        <button
          type="button"
          data-testid="operation-add-setting"
          onClick={() => onChange({ ...form, settings: [...form.settings, { name: unused, value: '' }] })}
          className="rounded border border-slate-300 px-2 py-1 text-sm"
        >
          {t('operations.field.addSetting')}
        </button>
      )}
      <p className="text-xs text-slate-600">{t('operations.field.settingsHint')}</p>
    </fieldset>
  );
}

/** The inputs the picked operation takes; everything else about it is fixed by the server. */
export function OperationFields({
  form,
  errors,
  onChange,
  nodes,
}: Props & {
  /** The cluster's nodes, for the fields that name other nodes. */
  nodes: readonly NodeChoice[];
}) {
  const { t } = useI18n();
  const modeId = useId();
  const set = (patch: Partial<OperationForm>) => onChange({ ...form, ...patch });
  const text = (
    field: 'slotName' | 'path' | 'host' | 'port' | 'user' | 'applicationName' | 'replicationUser' | 'slot',
  ) => ({
    field,
    value: form[field],
    errors,
    onChange: (value: string) => set({ [field]: value }),
  });

  const shared = { form, errors, onChange, nodes };
  const replicationUser = (
    <TextField
      {...text('replicationUser')}
      label="operations.field.replicationUser"
      hint="operations.field.replicationUserHint"
    />
  );
  const slots = (
    <CheckboxField
      {...shared}
      field="slots"
      label="operations.field.slots"
      hint="operations.field.slotsHint"
    />
  );

  let fields: ReactNode = null;
  switch (form.type) {
    case 'start':
    case 'reload':
    case 'clean-archive':
      return null;
    case 'preflight':
    case 'link-nodes':
      fields = <StandbysField {...shared} />;
      break;
    case 'configure-primary':
      fields = (
        <>
          <StandbysField {...shared} />
          {slots}
          {replicationUser}
        </>
      );
      break;
    case 'setup-replication':
      fields = (
        <>
          <StandbysField {...shared} />
          <BackupMethodField {...shared} />
          {slots}
          {replicationUser}
        </>
      );
      break;
    case 'base-backup':
      fields = (
        <>
          <NodeSelectField
            {...shared}
            field="from"
            label="operations.field.from"
            hint="operations.field.fromHint"
          />
          <BackupMethodField {...shared} />
          {replicationUser}
          <CheckboxField
            {...shared}
            field="overwriteInUse"
            label="operations.field.overwriteInUse"
            hint="operations.field.overwriteInUseHint"
          />
        </>
      );
      break;
    case 'configure-standby':
      fields = (
        <>
          <NodeSelectField
            {...shared}
            field="primary"
            label="operations.field.primary"
            hint="operations.field.primaryHint"
          />
          {replicationUser}
          <TextField {...text('slot')} label="operations.field.slot" hint="operations.field.slotHint" />
        </>
      );
      break;
    case 'rejoin':
      fields = (
        <>
          <NodeSelectField
            {...shared}
            field="primary"
            label="operations.field.rejoinPrimary"
            hint="operations.field.rejoinPrimaryHint"
          />
          {replicationUser}
        </>
      );
      break;
    case 'follow':
      fields = (
        <>
          <NodeSelectField
            {...shared}
            field="primary"
            label="operations.field.followPrimary"
            hint="operations.field.followPrimaryHint"
          />
          {replicationUser}
          <TextField {...text('slot')} label="operations.field.slot" hint="operations.field.slotHint" />
        </>
      );
      break;
    case 'ship-wal':
      fields = (
        <>
          <StandbysField {...shared} />
          {replicationUser}
        </>
      );
      break;
    case 'promote':
      fields = (
        <>
          <PromoteMethodField {...shared} />
          <FenceField {...shared} />
        </>
      );
      break;
    case 'stop':
    case 'restart':
      fields = (
        <div className="space-y-1">
          <label htmlFor={modeId} className="block text-sm font-medium text-slate-800">
            {t('operations.field.mode')}
          </label>
          <select
            id={modeId}
            data-testid="operation-field-mode"
            value={form.mode}
            onChange={(e) => set({ mode: e.target.value as OperationForm['mode'] })}
            className={`${inputClass} border-slate-300`}
          >
            {(['smart', 'fast', 'immediate'] as const).map((m) => (
              <option key={m} value={m}>
                {m}
              </option>
            ))}
          </select>
          <p className="text-xs text-slate-600">{t(modeHint[form.mode])}</p>
        </div>
      );
      break;
    case 'create-slot':
    case 'drop-slot':
      fields = (
        <TextField {...text('slotName')} label="operations.field.slotName" hint="operations.rule.slotName" />
      );
      break;
    case 'prepare-archive-dir':
      fields = (
        <TextField
          {...text('path')}
          label="operations.field.path"
          hint="operations.field.pathHint"
          placeholder="/var/lib/postgresql/wal_archive"
        />
      );
      break;
    case 'set-settings':
      fields = <SettingsFields form={form} errors={errors} onChange={onChange} />;
      break;
    case 'set-standby-source':
      fields = (
        <div className="grid gap-3 sm:grid-cols-2">
          <TextField {...text('host')} label="operations.field.host" hint="operations.field.hostHint" />
          <TextField {...text('port')} label="operations.field.port" inputMode="numeric" />
          <TextField {...text('user')} label="operations.field.user" hint="operations.field.userHint" />
          <TextField
            {...text('applicationName')}
            label="operations.field.applicationName"
            hint="operations.field.applicationNameHint"
          />
          <TextField
            {...text('slotName')}
            label="operations.field.standbySlot"
            hint="operations.field.standbySlotHint"
          />
        </div>
      );
      break;
  }
  return (
    <fieldset className="space-y-3">
      <legend className="sr-only">{t('operations.field.legend')}</legend>
      {fields}
    </fieldset>
  );
}
