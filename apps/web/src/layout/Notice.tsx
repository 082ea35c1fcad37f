import type { ReactNode } from 'react';

const toneClass = {
  info: 'border-slate-200 bg-white text-slate-700',
  error: 'border-red-300 bg-red-50 text-red-950',
} as const;

/** A page-level message (loading, empty, failed) in place of content. */
export function Notice({ tone = 'info', children }: { tone?: keyof typeof toneClass; children: ReactNode }) {
  return (
    <div
      role={tone === 'error' ? 'alert' : 'status'}
      className={`flex flex-wrap items-center gap-3 rounded-lg border px-4 py-3 text-sm ${toneClass[tone]}`}
    >
      {children}
    </div>
  );
}
