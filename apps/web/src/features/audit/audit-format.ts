import { type AuditEntry, type AuditResult, auditQuerySchema } from '@walboard/shared/audit';

/** Entries per request: a screenful or two; "older" fetches the next. */
export const auditPageSize = 100;

/** Actions the controller records (audit.ts), offered as suggestions in the filter. */
export const knownActions = [
  'login',
  'logout',
  'user.create',
  'user.update',
  'user.delete',
  'hostkey.pin',
  'hostkey.changed',
] as const;

/** GET /api/audit with only the parameters that are set. */
export function auditPath(query: {
  limit: number;
  before?: number | undefined;
  action?: string | undefined;
}): string {
  const params = new URLSearchParams({ limit: String(query.limit) });
  if (query.before !== undefined) params.set('before', String(query.before));
  if (query.action) params.set('action', query.action);
  return `/api/audit?${params}`;
}

/** The typed filter, trimmed; '' means all actions; null when the server's schema would refuse it. */
export function actionFilter(text: string): string | null {
  const action = text.trim();
  if (action === '') return '';
  return auditQuerySchema.shape.action.safeParse(action).success ? action : null;
}

/** The local time of an entry, with seconds; the raw text when it is not a date. */
export function auditTime(at: string, lang: string, timeZone?: string): string {
  const d = new Date(at);
  if (Number.isNaN(d.getTime())) return at;
  return new Intl.DateTimeFormat(lang, { dateStyle: 'short', timeStyle: 'medium', timeZone }).format(d);
}

/** Who did it; "—" for attempts without a session (a failed login names the user in the detail). */
export function auditUser(username: string | null): string {
  return username ?? '—';
}

/**
 * The detail as plain JSON text. It holds request parameters, possibly hostile (a user name full
 * of markup): it is only ever rendered as a text node, never as HTML.
 */
export function auditDetailText(detail: Readonly<Record<string, unknown>>): string {
  return Object.keys(detail).length === 0 ? '' : JSON.stringify(detail);
}

export const resultClass: Record<AuditResult, string> = {
  ok: 'bg-emerald-100 text-emerald-900',
  refused: 'bg-amber-100 text-amber-950',
  failed: 'bg-red-100 text-red-900',
};

/** Appends an older page, dropping entries already shown (a new entry can shift a page boundary). */
export function appendOlder(shown: readonly AuditEntry[], older: readonly AuditEntry[]): AuditEntry[] {
  const ids = new Set(shown.map((e) => e.id));
  return [...shown, ...older.filter((e) => !ids.has(e.id))];
}

/** The id to page back from: the oldest shown. */
export function oldestId(entries: readonly AuditEntry[]): number | undefined {
  return entries.length === 0 ? undefined : Math.min(...entries.map((e) => e.id));
}
