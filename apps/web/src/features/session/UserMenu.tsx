import { useState } from 'react';
import { useI18n } from '../../i18n/i18n.tsx';
import { problemText } from './request-problem.ts';
import { roleKey } from './role-key.ts';
import type { SessionValue } from './session-context.ts';

/** Who is signed in, with which role, and the sign-out button (for the header). */
export function UserMenu({ session }: { session: SessionValue }) {
  const { t } = useI18n();
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<string | null>(null);
  const { username, role } = session.info;
  const roleName = t(roleKey(role));

  const logout = () => {
    setBusy(true);
    setFailure(null);
    session.logout().catch((err: unknown) => {
      const p = problemText(err);
      setFailure(t('session.logoutFailed', { message: t(p.key, p.vars) }));
      setBusy(false);
    });
  };

  return (
    <div className="flex items-center gap-3 text-sm">
      <span
        data-testid="session-user"
        title={t('session.signedInAs', { user: username, role: roleName })}
        className="max-w-48 truncate"
      >
        <span className="font-semibold">{username}</span> <span className="text-slate-300">· {roleName}</span>
      </span>
      {failure && (
        <span role="alert" className="text-xs text-red-300">
          {failure}
        </span>
      )}
      <button
        type="button"
        data-testid="logout"
        disabled={busy}
        onClick={logout}
        className="rounded-md border border-slate-600 px-2.5 py-1 text-xs font-semibold text-slate-100 hover:bg-slate-700 focus-visible:outline-2 focus-visible:outline-white disabled:opacity-60"
      >
        {t('session.logout')}
      </button>
    </div>
  );
}
