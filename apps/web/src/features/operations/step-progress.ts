import type { StepProgress } from '@walboard/shared/operations';
import { formatBytes, formatDuration } from '../../i18n/units.ts';

/** A copy's progress as the page shows it; null parts are unknown (no estimate yet, or none at all). */
export interface ProgressView {
  /** Whole percent, 0–100; null while the total is unknown. */
  percent: number | null;
  done: string;
  total: string | null;
  /** e.g. "12.3 MiB/s". */
  rate: string | null;
  /** Time left, e.g. "3 min 05 s". */
  eta: string | null;
  phase: string | null;
  /** For a <progress> element: value and max, or null for an indeterminate bar. */
  bar: { value: number; max: number } | null;
}

/**
 * Formats a step's progress. The total is an estimate (pg_basebackup's included), so the bytes
 * done may pass it: the percent stops at 100 and the bar's max grows with the bytes done rather
 * than overflowing. A zero total says nothing about the size: shown as unknown.
 */
export function progressView(p: StepProgress): ProgressView {
  const known = p.totalBytes !== null && p.totalBytes > 0;
  const total = known ? (p.totalBytes ?? 0) : 0;
  return {
    percent: known ? Math.min(100, Math.floor((p.doneBytes / total) * 100)) : null,
    done: formatBytes(p.doneBytes),
    total: known ? formatBytes(total) : null,
    rate: p.bytesPerSecond === null ? null : `${formatBytes(p.bytesPerSecond)}/s`,
    eta: p.etaSeconds === null ? null : formatDuration(p.etaSeconds),
    phase: p.phase && p.phase !== '' ? p.phase : null,
    bar: known ? { value: Math.min(p.doneBytes, total), max: total } : null,
  };
}
