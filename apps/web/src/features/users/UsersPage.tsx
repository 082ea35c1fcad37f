import type { User, UserRole } from '@walboard/shared/auth';
import { useI18n } from '../../i18n/i18n.tsx';
import { Notice } from '../../layout/Notice.tsx';
import { roleKey } from '../session/role-key.ts';
import { useSession } from '../session/session-context.ts';
import { CreateUserForm } from './CreateUserForm.tsx';
import { UserRow, type UserRowActions } from './UserRow.tsx';
import { useUserAction } from './use-user-action.ts';
import { useUsers } from './use-users.ts';
import { createUser, deleteUser, updateUser } from './users-api.ts';

/** Admins: list, create, change role, reset password, delete. */
export function UsersPage() {
  const { t } = useI18n();
  const { info } = useSession();
  const { users, reload } = useUsers();
  const { run, busy, feedback } = useUserAction(reload);

  const actions: UserRowActions = {
    busy,
    setRole: (user: User, role: UserRole) =>
      run((csrf) => updateUser(user.username, { role }, csrf), {
        key: 'users.role.done',
        vars: { user: user.username, role: t(roleKey(role)) },
      }),
    resetPassword: (user, password) =>
      run((csrf) => updateUser(user.username, { password }, csrf), {
        key: 'users.password.done',
        vars: { user: user.username },
      }),
    remove: (user) =>
      run((csrf) => deleteUser(user.username, csrf), {
        key: 'users.delete.done',
        vars: { user: user.username },
      }),
  };

  return (
    <section data-testid="users-page" aria-labelledby="users-heading" className="space-y-4">
      <h1 id="users-heading" className="text-xl font-semibold text-slate-900">
        {t('users.heading')}
      </h1>
      {feedback && (
        <div data-testid="users-feedback" data-tone={feedback.tone}>
          {feedback.tone === 'error' ? (
            <Notice tone="error">{t(feedback.key, feedback.vars)}</Notice>
          ) : (
            <Notice>{t(feedback.key, feedback.vars)}</Notice>
          )}
        </div>
      )}
      <CreateUserForm
        busy={busy}
        onCreate={(body) =>
          run((csrf) => createUser(body, csrf), { key: 'users.create.done', vars: { user: body.username } })
        }
      />
      {users.status === 'loading' && <Notice>{t('users.loading')}</Notice>}
      {users.status === 'error' && <Notice tone="error">{t(users.problem.key, users.problem.vars)}</Notice>}
      {users.status === 'ready' && (
        <div
          // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling box with no control inside must take focus, or the keyboard cannot scroll it (WCAG 2.1.1)
          tabIndex={0}
          className="overflow-x-auto rounded-lg border border-slate-200 bg-white focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-sky-600"
        >
          <table aria-label={t('users.tableLabel')} className="w-full text-left">
            <thead className="bg-slate-50 text-xs uppercase tracking-wide text-slate-600">
              <tr>
                <th className="px-3 py-2 font-semibold">{t('users.col.username')}</th>
                <th className="px-3 py-2 font-semibold">{t('users.col.role')}</th>
                <th className="px-3 py-2 font-semibold">{t('users.col.clusters')}</th>
                <th className="px-3 py-2 font-semibold">{t('users.col.actions')}</th>
              </tr>
            </thead>
            <tbody>
              {users.users.map((u) => (
                <UserRow key={u.username} user={u} isSelf={u.username === info.username} actions={actions} />
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
