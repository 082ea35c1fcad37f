import type { ReactNode } from 'react';

/** One box of a path, with the arrow to the next drawn before it (hidden from screen readers). */
export function JourneyStep({
  first = false,
  tone = 'normal',
  children,
  ...data
}: {
  first?: boolean;
  tone?: 'normal' | 'alarm' | 'idle';
  children: ReactNode;
} & { [key: `data-${string}`]: string }) {
  const frame =
    tone === 'alarm'
      ? 'border-red-400 bg-red-50'
      : tone === 'idle'
        ? 'border-dashed border-slate-300 bg-slate-50'
        : 'border-slate-300 bg-white';
  return (
    <li {...data}>
      {!first && (
        <div aria-hidden="true" className="py-0.5 text-center text-slate-500">
          ↓
        </div>
      )}
      <div className={`rounded-md border px-3 py-2 text-sm text-slate-800 ${frame}`}>{children}</div>
    </li>
  );
}
