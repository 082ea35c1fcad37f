import { useI18n } from '../../i18n/i18n.tsx';
import { useSession } from './session-context.ts';

/** The embedded lab signed this browser in without a password: say so, plainly but quietly. */
export function AutoLoginNotice() {
  const { t } = useI18n();
  const { info } = useSession();
  if (!info.autoLogin) return null;
  return (
    <p
      data-testid="auto-login-notice"
      className="border-b border-sky-200 bg-sky-50 px-4 py-1.5 text-center text-xs text-sky-900"
    >
      {t('session.autoLogin', { user: info.username })}
    </p>
  );
}
