import type { LabStepId, ThenAndNowRow } from '@walboard/shared/guide';
import { useId } from 'react';
import { useI18n } from '../../i18n/i18n.tsx';
import { rowsForStep, topicKey, whyKey } from './then-and-now-view.ts';
import { useThenAndNow } from './use-then-and-now.ts';

function Form({ text }: { text: string }) {
  const { t } = useI18n();
  if (text === '') return <em className="text-slate-500">{t('thenNow.none')}</em>;
  // Long lines (archive_command) wrap anywhere instead of widening the page.
  return (
    <code className="font-mono text-xs whitespace-pre-wrap text-slate-900 [overflow-wrap:anywhere]">
      {text}
    </code>
  );
}

function Why({ row }: { row: ThenAndNowRow }) {
  const { t } = useI18n();
  if (row.why === null)
    return (
      <span className="inline-block rounded bg-slate-100 px-1.5 py-0.5 text-slate-600">
        {t('thenNow.unchanged')}
      </span>
    );
  const key = whyKey(row.why);
  return key ? t(key) : <code className="font-mono">{row.why}</code>;
}

function Topic({ topic }: { topic: string }) {
  const { t } = useI18n();
  const key = topicKey(topic);
  return key ? t(key) : <code className="font-mono text-xs">{topic}</code>;
}

/**
 * "Then and now": each item as the lab guide writes it for PostgreSQL 9.1 beside the form for this
 * node's version, and why it changed. Pass the rows of one step (rowsForStep) inside a Lab step.
 * A table from 640 px; on a phone the same rows as a list of cards (only one of the two is ever
 * displayed, so assistive technology meets each row once).
 */
export function ThenAndNow({ rows, major }: { rows: readonly ThenAndNowRow[]; major: string }) {
  const { t } = useI18n();
  if (rows.length === 0) return <p className="text-sm text-slate-600">{t('thenNow.empty')}</p>;
  const cols = {
    topic: t('thenNow.col.topic'),
    v91: t('thenNow.col.v91'),
    current: t('thenNow.col.current', { major }),
    why: t('thenNow.col.why'),
  };
  const caption = t('thenNow.caption', { major });
  const rowKey = (r: ThenAndNowRow) => `${r.step}/${r.topic}`;
  const unchanged = (r: ThenAndNowRow) => (r.why === null ? 'true' : 'false');
  return (
    <div data-testid="then-and-now" className="min-w-0">
      <table className="hidden w-full table-fixed border-collapse text-sm sm:table">
        <caption className="pb-2 text-left text-xs text-slate-600">{caption}</caption>
        <thead>
          <tr className="border-b border-slate-300 text-left text-xs text-slate-600">
            <th scope="col" className="w-[18%] px-2 py-1 font-medium">
              {cols.topic}
            </th>
            <th scope="col" className="w-[31%] px-2 py-1 font-medium">
              {cols.v91}
            </th>
            <th scope="col" className="w-[31%] px-2 py-1 font-medium">
              {cols.current}
            </th>
            <th scope="col" className="w-[20%] px-2 py-1 font-medium">
              {cols.why}
            </th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr
              key={rowKey(r)}
              data-topic={r.topic}
              data-unchanged={unchanged(r)}
              className="border-b border-slate-200"
            >
              <th scope="row" className="px-2 py-1.5 text-left align-top font-medium text-slate-800">
                <Topic topic={r.topic} />
              </th>
              <td className="px-2 py-1.5 align-top">
                <Form text={r.v91} />
              </td>
              <td className={`px-2 py-1.5 align-top ${r.why === null ? '' : 'bg-amber-50'}`}>
                <Form text={r.current} />
              </td>
              <td className="px-2 py-1.5 align-top text-xs text-slate-700">
                <Why row={r} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <div className="sm:hidden">
        <p className="pb-2 text-xs text-slate-600">{caption}</p>
        <ul className="divide-y divide-slate-200 border-y border-slate-200">
          {rows.map((r) => (
            <li key={rowKey(r)} data-topic={r.topic} data-unchanged={unchanged(r)} className="py-2">
              <p className="text-sm font-medium text-slate-800">
                <Topic topic={r.topic} />
              </p>
              <dl className="mt-1 grid gap-1 text-sm">
                <div>
                  <dt className="text-xs font-medium text-slate-500">{cols.v91}</dt>
                  <dd>
                    <Form text={r.v91} />
                  </dd>
                </div>
                <div className={r.why === null ? '' : 'bg-amber-50'}>
                  <dt className="text-xs font-medium text-slate-500">{cols.current}</dt>
                  <dd>
                    <Form text={r.current} />
                  </dd>
                </div>
                <div>
                  <dt className="text-xs font-medium text-slate-500">{cols.why}</dt>
                  <dd className="text-xs text-slate-700">
                    <Why row={r} />
                  </dd>
                </div>
              </dl>
            </li>
          ))}
        </ul>
      </div>
    </div>
  );
}

/**
 * The table for one lab step, fetched for `node` (its live version): loading and error states
 * included. `pair` names the lab's primary and standby when the Lab view knows them.
 */
export function ThenAndNowSection({
  cluster,
  node,
  step,
  pair,
}: {
  cluster: string;
  node: string;
  step: LabStepId;
  pair?: { primary: string; standby: string };
}) {
  const { t } = useI18n();
  const headingId = useId();
  const state = useThenAndNow(cluster, node, pair);
  return (
    <section aria-labelledby={headingId} className="mt-3 min-w-0">
      <h4 id={headingId} className="mb-1 text-sm font-semibold text-slate-800">
        {t('thenNow.heading')}
      </h4>
      {state.status === 'loading' ? (
        <p role="status" className="text-sm text-slate-600">
          {t('thenNow.loading')}
        </p>
      ) : state.status === 'error' ? (
        <p role="alert" className="text-sm text-red-700">
          {t('thenNow.error', { message: state.message })}
        </p>
      ) : (
        <ThenAndNow rows={rowsForStep(state.table.rows, step)} major={state.table.major} />
      )}
    </section>
  );
}
