import { OPERATION_TYPES, type OperationType } from '@walboard/shared/operations';
import { type CSSProperties, useEffect, useId, useRef, useState } from 'react';
import { useI18n } from '../../i18n/i18n.tsx';
import { useCan } from '../session/session-context.ts';
import { typeLabel } from './type-labels.ts';

interface Props {
  node: string;
  onPick: (type: OperationType) => void;
}

const menuWidthPx = 256;

/**
 * A node's "Actions" menu (operators and admins; the server refuses viewers anyway). Picking an
 * item only opens its dialog: nothing runs before the plan has been shown and confirmed.
 *
 * The list is a popover: it sits in the browser's top layer, so the card's rounded, clipped
 * frame cannot cut it off, and the browser closes it on Escape or a click elsewhere.
 */
export function NodeActions({ node, onPick }: Props) {
  const { t } = useI18n();
  const canOperate = useCan('operator');
  const menuId = useId();
  const button = useRef<HTMLButtonElement>(null);
  const menu = useRef<HTMLDivElement>(null);
  const [open, setOpen] = useState(false);
  const [place, setPlace] = useState<CSSProperties>({});

  // Placed from the button once, when opened: close rather than drift when the page scrolls.
  useEffect(() => {
    if (!open) return;
    // Only a scroll that moves the button (the page, or a box around the card) closes the list:
    // the list scrolling itself on a short window, or a live log pane scrolling to its newest
    // line elsewhere on the page, must not close it under the user's pointer.
    const close = (e: Event) => {
      const target = e.target;
      const movesButton =
        target === document ||
        target === document.documentElement ||
        (target instanceof Node && button.current !== null && target.contains(button.current));
      if (e.type === 'scroll' && !movesButton) return;
      menu.current?.hidePopover();
    };
    window.addEventListener('scroll', close, { passive: true, capture: true });
    window.addEventListener('resize', close);
    return () => {
      window.removeEventListener('scroll', close, { capture: true });
      window.removeEventListener('resize', close);
    };
  }, [open]);

  if (!canOperate) return null;
  return (
    <>
      <button
        ref={button}
        type="button"
        popoverTarget={menuId}
        data-testid={`node-actions-${node}`}
        aria-expanded={open}
        className="rounded border border-slate-300 bg-white px-2 py-0.5 text-xs font-semibold text-slate-800 hover:bg-slate-50 focus-visible:outline-2 focus-visible:outline-sky-600"
      >
        {t('operations.actions')} <span aria-hidden="true">▾</span>
      </button>
      <div
        ref={menu}
        id={menuId}
        popover="auto"
        data-testid={`node-actions-menu-${node}`}
        onBeforeToggle={(e) => {
          if (e.newState !== 'open' || !button.current) return;
          const r = button.current.getBoundingClientRect();
          const left = Math.max(8, Math.min(r.right - menuWidthPx, window.innerWidth - menuWidthPx - 8));
          const below = window.innerHeight - r.bottom - 12;
          const above = r.top - 12;
          // Open downwards unless the room below is short and the room above is larger; either
          // way the list is never taller than the room it has, so every item stays reachable.
          setPlace(
            below >= 240 || below >= above
              ? { top: r.bottom + 4, left, maxHeight: below }
              : { bottom: window.innerHeight - r.top + 4, left, maxHeight: above },
          );
        }}
        onToggle={(e) => setOpen(e.newState === 'open')}
        style={{ inset: 'auto', ...place, width: menuWidthPx }}
        // Many operations: on a short window the list scrolls rather than running off-screen.
        className="fixed m-0 overflow-y-auto rounded border border-slate-200 bg-white py-1 shadow-lg"
      >
        <ul aria-label={t('operations.actionsLabel', { node })}>
          {OPERATION_TYPES.map((type) => (
            <li key={type}>
              <button
                type="button"
                data-testid={`node-action-${node}-${type}`}
                onClick={() => {
                  menu.current?.hidePopover();
                  onPick(type);
                }}
                className="block w-full px-3 py-1.5 text-left text-sm text-slate-800 hover:bg-sky-50 focus-visible:bg-sky-50 focus-visible:outline-none"
              >
                {t(typeLabel[type])}
              </button>
            </li>
          ))}
        </ul>
      </div>
    </>
  );
}
