import type { User, UserRole } from '@walboard/shared/auth';
import { useI18n } from '../../i18n/i18n.tsx';
import { roleKey } from '../session/role-key.ts';
import { DeleteUser } from './DeleteUser.tsx';
import { inputClass } from './form-styles.ts';
import { PasswordReset } from './PasswordReset.tsx';
import { roles } from './user-form.ts';

export interface UserRowActions {
  busy: boolean;
  setRole: (user: User, role: UserRole) => Promise<boolean>;
  resetPassword: (user: User, password: string) => Promise<boolean>;
  remove: (user: User) => Promise<boolean>;
}

/** One user: role (changed in place), the clusters it may see, password reset and delete. */
export function UserRow({ user, isSelf, actions }: { user: User; isSelf: boolean; actions: UserRowActions }) {
  const { t } = useI18n();
  const { busy } = actions;
  return (
    <tr data-testid={`user-row-${user.username}`} className="border-t border-slate-100 align-middle">
      <td className="px-3 py-2 font-mono text-sm text-slate-900">
        {user.username} {isSelf && <span className="font-sans text-xs text-slate-500">{t('users.you')}</span>}
      </td>
      <td className="px-3 py-2">
        <select
          aria-label={t('users.roleOf', { user: user.username })}
          data-testid={`user-role-${user.username}`}
          value={user.role}
          disabled={busy}
          onChange={(e) => {
            const role = roles.find((r) => r === e.target.value);
            if (role) void actions.setRole(user, role);
          }}
          className={inputClass}
        >
          {roles.map((r) => (
            <option key={r} value={r}>
              {t(roleKey(r))}
            </option>
          ))}
        </select>
      </td>
      <td className="px-3 py-2 text-sm text-slate-700" data-testid={`user-clusters-${user.username}`}>
        {user.clusters === null ? (
          <span className="italic">{t('users.clusters.all')}</span>
        ) : (
          <span className="font-mono">{user.clusters.join(', ')}</span>
        )}
      </td>
      <td className="px-3 py-2">
        <div className="flex flex-wrap items-center gap-2">
          <PasswordReset
            username={user.username}
            busy={busy}
            onReset={(password) => actions.resetPassword(user, password)}
          />
          <DeleteUser
            username={user.username}
            isSelf={isSelf}
            busy={busy}
            onDelete={() => actions.remove(user)}
          />
        </div>
      </td>
    </tr>
  );
}
