import { useI18n } from '../i18n/i18n.tsx';
import { LanguageSwitch } from './LanguageSwitch.tsx';

export function Header() {
  const { t } = useI18n();
  return (
    <header className="bg-slate-900 text-white">
      <div className="mx-auto flex max-w-screen-2xl items-center justify-between gap-4 px-4 py-3">
        <div className="flex min-w-0 items-baseline gap-3">
          <span className="text-lg font-semibold tracking-tight">{t('app.name')}</span>
          <span className="truncate text-sm text-slate-300">{t('app.tagline')}</span>
        </div>
        <LanguageSwitch />
      </div>
    </header>
  );
}
