import { type ReactNode, useEffect, useId, useRef } from 'react';
import { useI18n } from '../../i18n/i18n.tsx';

interface Props {
  title: string;
  /** Escape or the close button (not a click outside: a stray click must not lose a typed form). */
  onClose: () => void;
  testId?: string;
  tone?: 'normal' | 'danger';
  children: ReactNode;
}

/**
 * A modal <dialog>: the browser keeps focus inside and the rest of the page inert while a
 * decision is pending, and gives focus back to the opener when it closes. Mount it to open it.
 */
export function ModalDialog({ title, onClose, testId, tone = 'normal', children }: Props) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  const { t } = useI18n();

  useEffect(() => {
    const d = ref.current;
    const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    if (d && !d.open) d.showModal();
    return () => {
      d?.close();
      // By now React has taken the dialog out of the page, so the browser does not return focus itself.
      if (opener?.isConnected) opener.focus();
    };
  }, []);

  return (
    <dialog
      ref={ref}
      aria-labelledby={titleId}
      data-testid={testId}
      onCancel={(e) => {
        // Escape: React owns whether the dialog is mounted, so close through the parent.
        e.preventDefault();
        onClose();
      }}
      className={`m-auto w-[min(52rem,calc(100vw-2rem))] max-h-[calc(100vh-2rem)] overflow-auto rounded-lg bg-white p-0 shadow-xl backdrop:bg-slate-900/50 ${
        tone === 'danger' ? 'border-2 border-red-600' : 'border border-slate-300'
      }`}
    >
      <div className="space-y-4 p-5">
        <header className="flex items-start justify-between gap-3">
          <h2
            id={titleId}
            className={`text-lg font-semibold ${tone === 'danger' ? 'text-red-800' : 'text-slate-900'}`}
          >
            {title}
          </h2>
          <button
            type="button"
            onClick={onClose}
            aria-label={t('operations.dialog.close')}
            className="rounded px-2 text-xl leading-none text-slate-600 hover:bg-slate-100 focus-visible:outline-2 focus-visible:outline-sky-600"
          >
            <span aria-hidden="true">×</span>
          </button>
        </header>
        {children}
      </div>
    </dialog>
  );
}
