import type { SessionInfo } from '@walboard/shared/auth';
import { type FormEvent, useId, useState } from 'react';
import type { MessageKey, MessageVars } from '../../i18n/catalog.ts';
import { useI18n } from '../../i18n/i18n.tsx';
import { loginInputValid } from './login-outcome.ts';
import { requestLogin } from './login-request.ts';
import type { SignedOutReason } from './session-state.ts';
import { useCountdown } from './use-countdown.ts';

const reasonText: Record<SignedOutReason, MessageKey | null> = {
  none: null,
  expired: 'session.login.expired',
  'logged-out': 'session.login.loggedOut',
  'link-refused': 'session.login.linkRefused',
};

const inputClass =
  'w-full rounded-md border border-slate-300 px-3 py-2 text-sm text-slate-900 focus-visible:outline-2 focus-visible:outline-sky-600';

/** User name + password; says why sign-in failed, and counts down when the server rate-limits. */
export function LoginForm({
  reason,
  why,
  onSignedIn,
}: {
  reason: SignedOutReason;
  why?: string | undefined;
  onSignedIn: (info: SessionInfo) => void;
}) {
  const { t } = useI18n();
  const id = useId();
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<{ key: MessageKey; vars?: MessageVars } | null>(null);
  const [lockedUntil, setLockedUntil] = useState<number | null>(null);
  const wait = useCountdown(lockedUntil);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (busy || wait > 0) return;
    if (!loginInputValid(username, password)) {
      setError({ key: 'session.login.missing' });
      return;
    }
    setBusy(true);
    setError(null);
    const outcome = await requestLogin({ username: username.trim(), password });
    setBusy(false);
    switch (outcome.kind) {
      case 'ok':
        return onSignedIn(outcome.info);
      case 'bad-login':
        setPassword('');
        return setError({ key: 'session.login.bad' });
      case 'rate-limited':
        setLockedUntil(Date.now() + outcome.seconds * 1000);
        return setError(null);
      case 'unreachable':
        return setError({ key: 'session.unreachable' });
      case 'error':
        return setError({ key: 'session.login.failed', vars: { message: outcome.message } });
    }
  };

  const notice = reasonText[reason];
  const errorText =
    wait > 0 ? t('session.login.rateLimited', { seconds: wait }) : error ? t(error.key, error.vars) : null;

  return (
    <form
      data-testid="login-form"
      onSubmit={submit}
      noValidate
      aria-labelledby={`${id}-heading`}
      className="w-full max-w-sm space-y-4 rounded-lg border border-slate-200 bg-white p-6 shadow-sm"
    >
      <h1 id={`${id}-heading`} className="text-lg font-semibold text-slate-900">
        {t('session.login.heading')}
      </h1>
      {notice && (
        <p role="status" data-testid="login-notice" className="text-sm text-slate-600">
          {t(notice)}
          {why && <span data-testid="login-notice-why"> {t('session.login.why', { why })}</span>}
        </p>
      )}
      <div className="space-y-1">
        <label htmlFor={`${id}-user`} className="block text-sm font-medium text-slate-700">
          {t('session.login.username')}
        </label>
        <input
          id={`${id}-user`}
          data-testid="login-username"
          autoComplete="username"
          autoCapitalize="none"
          spellCheck={false}
          required
          value={username}
          onChange={(e) => setUsername(e.target.value)}
          className={inputClass}
        />
      </div>
      <div className="space-y-1">
        <label htmlFor={`${id}-pw`} className="block text-sm font-medium text-slate-700">
          {t('session.login.password')}
        </label>
        <input
          id={`${id}-pw`}
          data-testid="login-password"
          type="password"
          autoComplete="current-password"
          required
          value={password}
          onChange={(e) => setPassword(e.target.value)}
          className={inputClass}
        />
      </div>
      {/* Mounted even when empty so screen readers announce a new error. */}
      <div role="alert" className="min-h-5 text-sm text-red-800">
        {errorText && <span data-testid="login-error">{errorText}</span>}
      </div>
      <button
        type="submit"
        data-testid="login-submit"
        disabled={busy || wait > 0}
        className="w-full rounded-md bg-slate-900 px-3 py-2 text-sm font-semibold text-white hover:bg-slate-700 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-sky-600 disabled:cursor-not-allowed disabled:bg-slate-400"
      >
        {busy ? t('session.login.submitting') : t('session.login.submit')}
      </button>
    </form>
  );
}
