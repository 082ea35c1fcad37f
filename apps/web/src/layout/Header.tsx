import { useContext } from 'react';
import { NavTabs } from '../features/navigation/NavTabs.tsx';
import { SessionContext } from '../features/session/session-context.ts';
import { UserMenu } from '../features/session/UserMenu.tsx';
import { useI18n } from '../i18n/i18n.tsx';
import { LanguageSwitch } from './LanguageSwitch.tsx';

/** The top bar; also shown above the login form, so it reads the session without requiring one. */
export function Header() {
  const { t } = useI18n();
  const session = useContext(SessionContext);
  return (
    <header className="bg-slate-900 text-white">
      <div className="mx-auto flex max-w-screen-2xl flex-wrap items-center justify-between gap-x-4 gap-y-2 px-4 py-3">
        <div className="flex min-w-0 items-baseline gap-3">
          <span className="text-lg font-semibold tracking-tight">{t('app.name')}</span>
          <span className="truncate text-sm text-slate-300">{t('app.tagline')}</span>
        </div>
        {session && <NavTabs role={session.info.role} />}
        <div className="flex items-center gap-4">
          {session && <UserMenu session={session} />}
          <LanguageSwitch />
        </div>
      </div>
    </header>
  );
}
