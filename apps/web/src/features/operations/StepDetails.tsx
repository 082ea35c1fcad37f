import { useId } from 'react';
import type { MessageKey } from '../../i18n/catalog.ts';
import { useI18n } from '../../i18n/i18n.tsx';
import { type CheckRun, type DiffLineKind, type StepRow, visibleControls } from './plan-view.ts';

const kindLabel: Record<StepRow['kind'], MessageKey> = {
  command: 'operations.kind.command',
  sql: 'operations.kind.sql',
  file: 'operations.kind.file',
  check: 'operations.kind.check',
  copy: 'operations.kind.copy',
};

const diffClass: Record<DiffLineKind, string> = {
  add: 'bg-green-50 text-green-900',
  remove: 'bg-red-50 text-red-900',
  hunk: 'text-sky-800',
  header: 'font-semibold text-slate-700',
  context: 'text-slate-800',
};

/** "Command on db1" — what kind of step, and where it runs. */
export function StepKind({ row }: { row: StepRow }) {
  const { t } = useI18n();
  return (
    <span className="text-xs font-semibold uppercase tracking-wide text-slate-600">
      {t(kindLabel[row.kind], { node: row.node })}
    </span>
  );
}

/** A small marker on steps a cancel waits for; the explanation is its accessible description. */
export function CriticalMark() {
  const { t } = useI18n();
  const id = useId();
  return (
    <>
      <span
        data-testid="step-critical"
        aria-describedby={id}
        title={t('operations.plan.criticalHint')}
        className="rounded border border-amber-400 bg-amber-50 px-1.5 py-0.5 text-xs font-semibold text-amber-900"
      >
        <span aria-hidden="true">⚠ </span>
        {t('operations.plan.critical')}
      </span>
      <span id={id} className="sr-only">
        {t('operations.plan.criticalHint')}
      </span>
    </>
  );
}

/** An argv, each element in its own box so spaces and quotes show as they are (no shell). */
function ArgvList({ argv, testId = 'step-argv' }: { argv: readonly string[]; testId?: string }) {
  const { t } = useI18n();
  return (
    <ol
      aria-label={t('operations.plan.argv')}
      data-testid={testId}
      className="flex flex-wrap gap-1 font-mono text-xs"
    >
      {argv.map((arg, i) => (
        // Index keys: argv is a fixed list and may repeat an element ("-c", "-c").
        // biome-ignore lint/suspicious/noArrayIndexKey: see above
        <li key={i}>
          <code
            data-testid="argv-item"
            className="inline-block rounded border border-slate-300 bg-slate-50 px-1.5 py-0.5 break-all whitespace-pre-wrap text-slate-900"
          >
            {arg === '' ? (
              <span className="text-slate-400">{t('operations.plan.emptyArg')}</span>
            ) : (
              visibleControls(arg, false)
            )}
          </code>
        </li>
      ))}
    </ol>
  );
}

function NodeLabel({ node }: { node: string }) {
  const { t } = useI18n();
  return (
    <span className="text-xs font-semibold text-slate-600">{t('operations.plan.onNode', { node })}</span>
  );
}

/** A copy: the sending command on its node, then the receiving command on the other node. */
function CopyPipe({ row }: { row: StepRow }) {
  const { t } = useI18n();
  if (!row.pipeTo) return null;
  return (
    <div data-testid="step-copy" className="space-y-1">
      <div className="space-y-0.5">
        <NodeLabel node={row.node} />
        <ArgvList argv={row.argv} />
      </div>
      <p className="text-xs font-semibold text-slate-700">
        <span aria-hidden="true">↓ </span>
        {t('operations.plan.pipe')}
      </p>
      <div data-testid="step-copy-to" data-node={row.pipeTo.node} className="space-y-0.5">
        <NodeLabel node={row.pipeTo.node} />
        <ArgvList argv={row.pipeTo.argv} testId="step-pipe-argv" />
      </div>
    </div>
  );
}

/** Every command or statement a check runs, node by node. */
function CheckRuns({ runs }: { runs: readonly CheckRun[] }) {
  const { t } = useI18n();
  return (
    <ul aria-label={t('operations.plan.runs')} data-testid="step-runs" className="space-y-1">
      {runs.map((run, i) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: a check's runs are a fixed list and may repeat
        <li key={i} data-testid="step-run" data-node={run.node} className="space-y-0.5">
          <NodeLabel node={run.node} />
          {run.argv.length > 0 && <ArgvList argv={run.argv} />}
          {run.sql !== null && (
            <pre
              // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling box with no control inside must take focus, or the keyboard cannot scroll it (WCAG 2.1.1)
              tabIndex={0}
              className="overflow-x-auto rounded border border-slate-300 bg-slate-50 p-1.5 font-mono text-xs whitespace-pre-wrap text-slate-900 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-sky-600"
            >
              {run.sql}
            </pre>
          )}
        </li>
      ))}
    </ul>
  );
}

/**
 * Everything a step runs, exactly: each argv element on its own (React renders it as text, never
 * HTML), the SQL with its bound values beside it, the file, its backup and the diff, what a
 * check runs where, or a copy's two ends.
 */
export function StepDetails({ row }: { row: StepRow }) {
  return (
    <div className="space-y-2 text-sm">
      {row.pipeTo ? <CopyPipe row={row} /> : row.argv.length > 0 && <ArgvList argv={row.argv} />}
      {row.runs.length > 0 && <CheckRuns runs={row.runs} />}
      <StepSqlAndFile row={row} />
      {row.detail !== null && (
        <p data-testid="step-detail" className="text-xs text-slate-700">
          {row.detail}
        </p>
      )}
    </div>
  );
}

function StepSqlAndFile({ row }: { row: StepRow }) {
  const { t } = useI18n();
  return (
    <>
      {row.sql !== null && (
        <div className="space-y-1">
          <pre
            data-testid="step-sql"
            // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling box with no control inside must take focus, or the keyboard cannot scroll it (WCAG 2.1.1)
            tabIndex={0}
            className="overflow-x-auto rounded border border-slate-300 bg-slate-50 p-2 font-mono text-xs whitespace-pre-wrap text-slate-900 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-sky-600"
          >
            {row.sql}
          </pre>
          {row.params.length > 0 && (
            <dl
              aria-label={t('operations.plan.params')}
              className="grid grid-cols-[auto_1fr] gap-x-3 font-mono text-xs"
            >
              {row.params.map((p) => (
                <div key={p.placeholder} className="contents">
                  <dt className="text-slate-600">{p.placeholder}</dt>
                  <dd data-testid="step-sql-param" className="break-all whitespace-pre-wrap text-slate-900">
                    {p.value}
                  </dd>
                </div>
              ))}
            </dl>
          )}
        </div>
      )}
      {row.file !== null && (
        <div className="space-y-1">
          <p className="text-xs text-slate-700">
            {t('operations.plan.file')}{' '}
            <code data-testid="step-file" className="font-mono break-all text-slate-900">
              {row.file.path}
            </code>
          </p>
          <p className="text-xs text-slate-700">
            {row.file.backup === null ? (
              t('operations.plan.noBackup')
            ) : (
              <>
                {t('operations.plan.backup')}{' '}
                <code data-testid="step-file-backup" className="font-mono break-all text-slate-900">
                  {row.file.backup}
                </code>
              </>
            )}
          </p>
          {row.file.diff.length === 0 ? (
            <p className="text-xs text-slate-600">{t('operations.plan.noChange')}</p>
          ) : (
            <>
              <p className="text-xs text-slate-700">{t('operations.plan.diff')}</p>
              <pre
                data-testid="step-diff"
                // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling box with no control inside must take focus, or the keyboard cannot scroll it (WCAG 2.1.1)
                tabIndex={0}
                className="max-h-72 overflow-auto rounded border border-slate-300 bg-white py-1 font-mono text-xs focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-sky-600"
              >
                {row.file.diff.map((line, i) => (
                  // biome-ignore lint/suspicious/noArrayIndexKey: diff lines are a fixed list and repeat
                  <span key={i} className={`block px-2 whitespace-pre ${diffClass[line.kind]}`}>
                    {line.text === '' ? ' ' : line.text}
                  </span>
                ))}
              </pre>
            </>
          )}
        </div>
      )}
    </>
  );
}
