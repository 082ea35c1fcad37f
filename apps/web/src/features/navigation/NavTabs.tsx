import type { UserRole } from '@walboard/shared/auth';
import type { MessageKey } from '../../i18n/catalog.ts';
import { useI18n } from '../../i18n/i18n.tsx';
import { hashFor, type Route, routesFor, visibleRoute } from './route.ts';
import { useRoute } from './use-route.ts';

const labels: Record<Route, MessageKey> = {
  overview: 'nav.overview',
  lab: 'nav.lab',
  operations: 'nav.operations',
  alerts: 'nav.alerts',
  users: 'nav.users',
  audit: 'nav.audit',
  api: 'nav.api',
};

/** Links to the sections this role may open; nothing when the overview is the only one. */
export function NavTabs({ role }: { role: UserRole }) {
  const { t } = useI18n();
  const current = visibleRoute(useRoute(), role);
  const allowed = routesFor(role);
  if (allowed.length < 2) return null;
  return (
    <nav aria-label={t('nav.label')} className="flex flex-wrap items-center gap-1 text-sm">
      {allowed.map((r) => (
        <a
          key={r}
          href={hashFor(r)}
          data-testid={`nav-${r}`}
          aria-current={r === current ? 'page' : undefined}
          className={`rounded-md px-2.5 py-1 whitespace-nowrap focus-visible:outline-2 focus-visible:outline-white ${
            r === current ? 'bg-white font-semibold text-slate-900' : 'text-slate-200 hover:bg-slate-700'
          }`}
        >
          {t(labels[r])}
        </a>
      ))}
    </nav>
  );
}
