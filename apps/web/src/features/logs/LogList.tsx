import type { LogLine } from '@walboard/shared';
import { type UIEvent, useLayoutEffect, useRef, useState } from 'react';
import { levelTone, visibleText } from './log-state.ts';

// Fixed row height (one line, no wrap): the list is virtualized, only visible rows are in the DOM.
const ROW_PX = 20;
const VIEW_PX = 384;
const OVERSCAN = 10;

const toneClass = {
  neutral: 'text-slate-900',
  warning: 'bg-amber-100 text-amber-950',
  error: 'bg-red-100 text-red-900 font-semibold',
  muted: 'text-slate-500',
} as const;

interface Props {
  lines: readonly LogLine[];
  /** Following: stay at the newest line as lines come. */
  follow: boolean;
  label: string;
  empty: string;
}

/**
 * The log lines as plain text (React text nodes: HTML in a line is shown, never parsed), in a
 * virtualized list so a burst of thousands of lines keeps the page responsive.
 */
export function LogList({ lines, follow, label, empty }: Props) {
  const ref = useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = useState(0);

  // Before paint: a followed list never shows a frame scrolled above its newest line. `lines` is
  // the trigger (new lines → scroll down), not a value read inside.
  // biome-ignore lint/correctness/useExhaustiveDependencies: re-run on every new set of lines
  useLayoutEffect(() => {
    const el = ref.current;
    if (!follow || !el) return;
    el.scrollTop = el.scrollHeight;
    setScrollTop(el.scrollTop);
  }, [follow, lines]);

  const onScroll = (e: UIEvent<HTMLDivElement>) => setScrollTop(e.currentTarget.scrollTop);

  const first = Math.max(0, Math.floor(scrollTop / ROW_PX) - OVERSCAN);
  const last = Math.min(lines.length, Math.ceil((scrollTop + VIEW_PX) / ROW_PX) + OVERSCAN);
  const rows = lines.slice(first, last);

  return (
    <div
      ref={ref}
      onScroll={onScroll}
      role="log"
      aria-label={label}
      // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling log with no control inside must take focus, or the keyboard cannot scroll it (WCAG 2.1.1)
      tabIndex={0}
      className="overflow-auto rounded border border-slate-200 bg-slate-50 font-mono text-xs focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-sky-600"
      style={{ height: VIEW_PX }}
    >
      {lines.length === 0 ? (
        <p className="p-3 font-sans text-sm text-slate-600">{empty}</p>
      ) : (
        <div style={{ height: lines.length * ROW_PX, position: 'relative', minWidth: '100%' }}>
          <div style={{ position: 'absolute', top: first * ROW_PX, left: 0, minWidth: '100%' }}>
            {rows.map((l) => (
              <div
                key={l.seq}
                data-testid="log-line"
                data-level={l.level}
                data-seq={l.seq}
                className={`whitespace-pre px-2 ${toneClass[levelTone(l.level)]}`}
                style={{ height: ROW_PX, lineHeight: `${ROW_PX}px` }}
              >
                {visibleText(l.text)}
              </div>
            ))}
          </div>
        </div>
      )}
    </div>
  );
}
