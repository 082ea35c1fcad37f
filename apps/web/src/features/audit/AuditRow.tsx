import type { AuditEntry } from '@walboard/shared/audit';
import type { MessageKey } from '../../i18n/catalog.ts';
import { useI18n } from '../../i18n/i18n.tsx';
import { auditDetailText, auditTime, auditUser, resultClass } from './audit-format.ts';

const resultKey: Record<AuditEntry['result'], MessageKey> = {
  ok: 'audit.result.ok',
  refused: 'audit.result.refused',
  failed: 'audit.result.failed',
};

/** One entry. Every value is a React text node: whatever a request put in it stays text. */
export function AuditRow({ entry }: { entry: AuditEntry }) {
  const { t, lang } = useI18n();
  const detail = auditDetailText(entry.detail);
  return (
    <tr
      data-testid="audit-row"
      data-action={entry.action}
      data-result={entry.result}
      className="border-t border-slate-100 align-top text-sm"
    >
      <td className="whitespace-nowrap px-3 py-2 text-slate-700">
        <time dateTime={entry.at} title={entry.at}>
          {auditTime(entry.at, lang)}
        </time>
      </td>
      <td className="px-3 py-2 font-mono text-slate-900">{auditUser(entry.username)}</td>
      <td className="px-3 py-2 font-mono text-slate-600">{entry.source}</td>
      <td className="whitespace-nowrap px-3 py-2 font-mono text-slate-900">{entry.action}</td>
      <td className="px-3 py-2 font-mono text-slate-700">{entry.target ?? '—'}</td>
      <td className="px-3 py-2">
        <span className={`rounded px-1.5 py-0.5 text-xs font-semibold ${resultClass[entry.result]}`}>
          {t(resultKey[entry.result])}
        </span>
      </td>
      <td className="max-w-md px-3 py-2 break-words text-slate-800">{entry.message}</td>
      <td className="max-w-md px-3 py-2">
        {detail && (
          <code className="block font-mono text-xs break-all whitespace-pre-wrap text-slate-600">
            {detail}
          </code>
        )}
      </td>
    </tr>
  );
}
