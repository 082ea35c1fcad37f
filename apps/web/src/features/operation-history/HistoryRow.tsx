import type { Operation } from '@walboard/shared/operations';
import { useId } from 'react';
import { useI18n } from '../../i18n/i18n.tsx';
import { NextAction } from '../operations/NextAction.tsx';
import { messageClass, StateBadge } from '../operations/OperationStateBadge.tsx';
import { OperationSteps } from '../operations/OperationSteps.tsx';
import { PromotionResult } from '../operations/PromotionResult.tsx';
import { useTypeText } from '../operations/use-type-text.ts';
import { formatTime } from '../replication/format.ts';

const columnCount = 7;

/**
 * One past (or running) operation: a summary row, and when opened a second row with its steps
 * and their output. The steps are rendered only while open: 200 operations' output would slow
 * the page for nothing.
 */
export function HistoryRow({
  operation,
  open,
  onToggle,
}: {
  operation: Operation;
  open: boolean;
  onToggle: () => void;
}) {
  const { t, lang } = useI18n();
  const typeText = useTypeText();
  const detailsId = useId();
  const when = formatTime(operation.createdAt, lang) ?? operation.createdAt;
  const ended = formatTime(operation.finishedAt, lang);
  return (
    <>
      <tr
        data-testid="history-row"
        data-id={operation.id}
        data-state={operation.state}
        data-type={operation.type}
        className="border-t border-slate-100 align-top text-sm"
      >
        <td className="px-3 py-2">
          <button
            type="button"
            data-testid="history-row-toggle"
            aria-expanded={open}
            aria-controls={open ? detailsId : undefined}
            onClick={onToggle}
            className="rounded border border-slate-300 bg-white px-2 py-0.5 text-xs font-medium whitespace-nowrap text-slate-800 hover:bg-slate-50 focus-visible:outline-2 focus-visible:outline-sky-600"
          >
            <span aria-hidden="true">{open ? '▾ ' : '▸ '}</span>
            {open ? t('opsHistory.hide') : t('opsHistory.show', { count: operation.steps.length })}
            {/* The visible words start the button's name (WCAG 2.5.3); which operation it is follows. */}
            <span className="sr-only">
              {' '}
              {t('opsHistory.toggleLabel', {
                operation: typeText(operation.type),
                node: operation.node,
                when,
              })}
            </span>
          </button>
        </td>
        <td className="px-3 py-2 whitespace-nowrap text-slate-700">
          <time dateTime={operation.createdAt} title={operation.createdAt}>
            {when}
          </time>
          {ended && (
            <span className="block text-xs text-slate-500">{t('opsHistory.finished', { when: ended })}</span>
          )}
        </td>
        <td className="px-3 py-2 text-slate-900">{typeText(operation.type)}</td>
        <td className="px-3 py-2 font-mono text-slate-800">{operation.node}</td>
        <td className="px-3 py-2 font-mono text-slate-700">{operation.requestedBy}</td>
        <td className="px-3 py-2">
          <StateBadge state={operation.state} testId="history-row-state" />
        </td>
        <td className={`max-w-xl px-3 py-2 break-words ${messageClass(operation.state)}`}>
          {operation.message}
        </td>
      </tr>
      {open && (
        <tr data-testid="history-row-details" data-id={operation.id} className="bg-slate-50">
          <td id={detailsId} colSpan={columnCount} className="space-y-3 px-3 py-3">
            <NextAction operation={operation} />
            {operation.promotion && <PromotionResult promotion={operation.promotion} />}
            <OperationSteps operation={operation} />
          </td>
        </tr>
      )}
    </>
  );
}
