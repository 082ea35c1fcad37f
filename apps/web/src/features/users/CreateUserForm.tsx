import type { CreateUserBody } from '@walboard/shared/auth';
import { type FormEvent, useId, useState } from 'react';
import { useI18n } from '../../i18n/i18n.tsx';
import { roleKey } from '../session/role-key.ts';
import { inputClass, primaryButtonClass } from './form-styles.ts';
import { fieldErrorKey, type NewUserInput, roles, type UserField, validateNewUser } from './user-form.ts';

const empty: NewUserInput = { username: '', password: '', role: 'viewer', clusters: '' };

/** Username, password, role and (optionally) clusters; checked with the server's own schema first. */
export function CreateUserForm({
  busy,
  onCreate,
}: {
  busy: boolean;
  /** Resolves true when the user was created (the form then clears). */
  onCreate: (body: CreateUserBody) => Promise<boolean>;
}) {
  const { t } = useI18n();
  const id = useId();
  const [input, setInput] = useState<NewUserInput>(empty);
  const [invalid, setInvalid] = useState<readonly UserField[]>([]);

  const set = (field: keyof NewUserInput) => (e: { target: { value: string } }) =>
    setInput((prev) => ({ ...prev, [field]: e.target.value }));

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const checked = validateNewUser(input);
    if (!checked.ok) return setInvalid(checked.fields);
    setInvalid([]);
    if (await onCreate(checked.body)) setInput(empty);
  };

  const field = (name: UserField, label: string, control: React.ReactNode, hint?: string) => (
    <div className="flex min-w-44 flex-1 flex-col gap-1">
      <label htmlFor={`${id}-${name}`} className="text-xs font-medium text-slate-700">
        {label}
      </label>
      {control}
      {invalid.includes(name) ? (
        <span id={`${id}-${name}-error`} className="text-xs text-red-800">
          {t(fieldErrorKey[name])}
        </span>
      ) : (
        hint && <span className="text-xs text-slate-500">{hint}</span>
      )}
    </div>
  );
  const aria = (name: UserField) => ({
    id: `${id}-${name}`,
    'data-testid': `user-create-${name}`,
    'aria-invalid': invalid.includes(name),
    'aria-describedby': invalid.includes(name) ? `${id}-${name}-error` : undefined,
  });

  return (
    <form
      data-testid="user-create-form"
      onSubmit={submit}
      noValidate
      aria-labelledby={`${id}-heading`}
      className="space-y-3 rounded-lg border border-slate-200 bg-white p-4"
    >
      <h2 id={`${id}-heading`} className="text-base font-semibold text-slate-900">
        {t('users.create.heading')}
      </h2>
      <div className="flex flex-wrap items-start gap-3">
        {field(
          'username',
          t('users.create.username'),
          <input
            {...aria('username')}
            autoComplete="off"
            spellCheck={false}
            value={input.username}
            onChange={set('username')}
            className={inputClass}
          />,
        )}
        {field(
          'password',
          t('users.create.password'),
          <input
            {...aria('password')}
            type="password"
            autoComplete="new-password"
            value={input.password}
            onChange={set('password')}
            className={inputClass}
          />,
        )}
        {field(
          'role',
          t('users.create.role'),
          <select {...aria('role')} value={input.role} onChange={set('role')} className={inputClass}>
            {roles.map((r) => (
              <option key={r} value={r}>
                {t(roleKey(r))}
              </option>
            ))}
          </select>,
        )}
        {field(
          'clusters',
          t('users.create.clusters'),
          <input
            {...aria('clusters')}
            spellCheck={false}
            value={input.clusters}
            onChange={set('clusters')}
            className={inputClass}
          />,
          t('users.create.clustersHint'),
        )}
      </div>
      <button type="submit" data-testid="user-create-submit" disabled={busy} className={primaryButtonClass}>
        {t('users.create.submit')}
      </button>
    </form>
  );
}
