import { type FormEvent, useId, useState } from 'react';
import { useI18n } from '../../i18n/i18n.tsx';
import { buttonClass, inputClass, primaryButtonClass } from './form-styles.ts';
import { newPasswordValid } from './user-form.ts';

/** "Reset password" opens a one-field form in the row; the new password is checked before sending. */
export function PasswordReset({
  username,
  busy,
  onReset,
}: {
  username: string;
  busy: boolean;
  onReset: (password: string) => Promise<boolean>;
}) {
  const { t } = useI18n();
  const id = useId();
  const [open, setOpen] = useState(false);
  const [password, setPassword] = useState('');
  const [invalid, setInvalid] = useState(false);

  if (!open) {
    return (
      <button
        type="button"
        data-testid={`user-password-${username}`}
        disabled={busy}
        onClick={() => setOpen(true)}
        className={buttonClass}
      >
        {t('users.password.reset')}
      </button>
    );
  }

  const close = () => {
    setOpen(false);
    setPassword('');
    setInvalid(false);
  };
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!newPasswordValid(password)) return setInvalid(true);
    if (await onReset(password)) close();
  };

  return (
    <form onSubmit={submit} noValidate className="flex flex-wrap items-center gap-2">
      {/* Lets password managers file the new password under the right user. */}
      <input type="text" hidden readOnly autoComplete="username" value={username} />
      <label htmlFor={`${id}-pw`} className="sr-only">
        {t('users.password.new', { user: username })}
      </label>
      <input
        id={`${id}-pw`}
        data-testid={`user-password-input-${username}`}
        type="password"
        autoComplete="new-password"
        placeholder={t('users.password.new', { user: username })}
        aria-invalid={invalid}
        aria-describedby={invalid ? `${id}-err` : undefined}
        value={password}
        onChange={(e) => setPassword(e.target.value)}
        className={inputClass}
      />
      <button type="submit" disabled={busy} className={primaryButtonClass}>
        {t('users.password.save')}
      </button>
      <button type="button" onClick={close} className={buttonClass}>
        {t('users.cancel')}
      </button>
      {invalid && (
        <span id={`${id}-err`} className="w-full text-xs text-red-800">
          {t('users.error.password')}
        </span>
      )}
    </form>
  );
}
