import type { Role } from '@walboard/shared';
import type { MessageKey } from '../../i18n/catalog.ts';
import { useI18n } from '../../i18n/i18n.tsx';

const badge = 'inline-flex items-center rounded px-2 py-0.5 text-xs font-semibold whitespace-nowrap';

// Colour helps scanning a grid, the text carries the meaning; red is kept for "unreachable".
const roleStyle: Record<Role, { key: MessageKey; className: string }> = {
  primary: { key: 'node.role.primary', className: 'bg-blue-700 text-white' },
  standby: { key: 'node.role.standby', className: 'bg-violet-700 text-white' },
  unknown: { key: 'node.role.unknown', className: 'bg-slate-200 text-slate-800 ring-1 ring-slate-300' },
};

export function RoleBadge({ role }: { role: Role }) {
  const { t } = useI18n();
  const { key, className } = roleStyle[role];
  return (
    <span data-testid="node-role" className={`${badge} ${className}`}>
      {t(key)}
    </span>
  );
}

/** Not reachable; a server that answers it is shutting down or starting up says so instead. */
export function UnreachableBadge({ pg }: { pg?: 'up' | 'starting-up' | 'shutting-down' | 'down' }) {
  const { t } = useI18n();
  if (pg === 'shutting-down' || pg === 'starting-up') {
    return (
      <span
        data-testid="node-server-state"
        data-state={pg}
        className={`${badge} gap-1 bg-amber-600 text-white`}
      >
        {t(pg === 'shutting-down' ? 'node.shuttingDown' : 'node.startingUp')}
      </span>
    );
  }
  return (
    <span className={`${badge} gap-1 bg-red-700 text-white`}>
      <span aria-hidden="true">⚠</span>
      {t('node.unreachable')}
    </span>
  );
}
