import { useState } from 'react';
import { useI18n } from '../../i18n/i18n.tsx';
import { buttonClass, dangerButtonClass } from './form-styles.ts';

/** Delete asks once more in place; your own user cannot be deleted (the server refuses it too). */
export function DeleteUser({
  username,
  isSelf,
  busy,
  onDelete,
}: {
  username: string;
  isSelf: boolean;
  busy: boolean;
  onDelete: () => Promise<boolean>;
}) {
  const { t } = useI18n();
  const [confirming, setConfirming] = useState(false);

  if (!confirming) {
    return (
      <button
        type="button"
        data-testid={`user-delete-${username}`}
        disabled={busy || isSelf}
        title={isSelf ? t('users.delete.self') : undefined}
        onClick={() => setConfirming(true)}
        className={dangerButtonClass}
      >
        {t('users.delete')}
      </button>
    );
  }
  return (
    <div className="flex flex-wrap items-center gap-2 text-sm text-red-900">
      {t('users.delete.confirm', { user: username })}
      <button
        type="button"
        data-testid={`user-delete-confirm-${username}`}
        disabled={busy}
        onClick={() => onDelete().finally(() => setConfirming(false))}
        className={dangerButtonClass}
      >
        {t('users.delete.yes', { user: username })}
      </button>
      <button type="button" onClick={() => setConfirming(false)} className={buttonClass}>
        {t('users.cancel')}
      </button>
    </div>
  );
}
