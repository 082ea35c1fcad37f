import { type Lang, languages, type MessageKey } from '../i18n/catalog.ts';
import { useI18n } from '../i18n/i18n.tsx';

const labels: Record<Lang, { short: MessageKey; name: MessageKey }> = {
  en: { short: 'lang.en.short', name: 'lang.en.name' },
  es: { short: 'lang.es.short', name: 'lang.es.name' },
};

/** EN / ES toggle; the accessible name starts with the visible code so voice control finds it. */
export function LanguageSwitch() {
  const { t, lang, setLang } = useI18n();
  return (
    <fieldset className="flex overflow-hidden rounded-md border border-slate-600 text-xs font-semibold">
      <legend className="sr-only">{t('lang.switch.label')}</legend>
      {languages.map((code) => (
        <button
          key={code}
          type="button"
          lang={code}
          data-testid={`lang-${code}`}
          aria-pressed={lang === code}
          onClick={() => setLang(code)}
          className={`px-2.5 py-1 focus-visible:outline-2 focus-visible:-outline-offset-2 focus-visible:outline-white ${
            lang === code ? 'bg-white text-slate-900' : 'text-slate-200 hover:bg-slate-700'
          }`}
        >
          {t(labels[code].short)}
          <span className="sr-only"> {t(labels[code].name)}</span>
        </button>
      ))}
    </fieldset>
  );
}
