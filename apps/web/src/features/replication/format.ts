import { formatSeconds } from '../../i18n/units.ts';

// One way to write bytes and seconds on the whole page (cards, topology, charts).
export { formatBytes, formatSeconds } from '../../i18n/units.ts';

/** A sender lag column (ms, null = PostgreSQL said NULL). */
export function formatLagMs(ms: number | null): string | null {
  return ms === null ? null : formatSeconds(ms / 1000);
}

/** An ISO time as a short local time, with the ISO text kept for the tooltip. */
export function formatTime(iso: string | null, lang: string): string | null {
  if (iso === null) return null;
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toLocaleString(lang, { dateStyle: 'short', timeStyle: 'medium' });
}
