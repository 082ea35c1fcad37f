import type { MessageKey } from '../../i18n/catalog.ts';
import { useI18n } from '../../i18n/i18n.tsx';
import { Notice } from '../../layout/Notice.tsx';
import { schemaText } from './schema-text.ts';
import { type ApiOperation, OPENAPI_URL, useOpenApi } from './use-openapi.ts';

const accessKeys: Record<string, MessageKey> = {
  public: 'apiDocs.access.public',
  viewer: 'apiDocs.access.viewer',
  operator: 'apiDocs.access.operator',
  admin: 'apiDocs.access.admin',
};

const methodClass: Record<string, string> = {
  get: 'bg-sky-100 text-sky-900',
  post: 'bg-emerald-100 text-emerald-900',
  put: 'bg-amber-100 text-amber-900',
  patch: 'bg-amber-100 text-amber-900',
  delete: 'bg-red-100 text-red-900',
};

function Schema({ schema }: { schema: unknown }) {
  return (
    <pre
      // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling box with no control inside must take focus, or the keyboard cannot scroll it (WCAG 2.1.1)
      tabIndex={0}
      className="overflow-x-auto rounded bg-slate-50 p-2 font-mono text-xs text-slate-800 focus-visible:outline-2 focus-visible:outline-sky-600"
    >
      {schemaText(schema)}
    </pre>
  );
}

function Operation({ method, path, op }: { method: string; path: string; op: ApiOperation }) {
  const { t } = useI18n();
  const access = op['x-walboard-access'] ?? 'public';
  const params = op.parameters ?? [];
  const body = op.requestBody?.content?.['application/json']?.schema;
  const answers = Object.entries(op.responses).filter(([, r]) => r.$ref === undefined);
  return (
    <li data-testid={`api-op-${op.operationId}`} className="rounded-lg border border-slate-200 bg-white">
      <details>
        <summary className="flex cursor-pointer flex-wrap items-baseline gap-2 px-3 py-2">
          <span
            className={`rounded px-1.5 py-0.5 font-mono text-xs font-semibold uppercase ${methodClass[method] ?? ''}`}
          >
            {method}
          </span>
          <code className="font-mono text-sm break-all text-slate-900">{path}</code>
          <span className="rounded bg-slate-100 px-1.5 py-0.5 text-xs text-slate-700">
            {t(accessKeys[access] ?? 'apiDocs.access.viewer')}
          </span>
          {op['x-walboard-lab-only'] && (
            <span className="rounded bg-violet-100 px-1.5 py-0.5 text-xs text-violet-900">
              {t('apiDocs.labOnly')}
            </span>
          )}
          <span className="text-sm text-slate-600">{op.summary}</span>
        </summary>
        <div className="space-y-3 border-t border-slate-100 px-3 py-3 text-sm">
          {op.description && <p className="text-slate-700">{op.description}</p>}
          {params.length > 0 && (
            <div
              // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling box with no control inside must take focus, or the keyboard cannot scroll it (WCAG 2.1.1)
              tabIndex={0}
              className="overflow-x-auto focus-visible:outline-2 focus-visible:outline-sky-600"
            >
              <table className="text-left text-xs">
                <caption className="text-left font-semibold text-slate-800">
                  {t('apiDocs.parameters')}
                </caption>
                <thead className="text-slate-600">
                  <tr>
                    <th scope="col" className="pr-4 font-medium">
                      {t('apiDocs.paramName')}
                    </th>
                    <th scope="col" className="pr-4 font-medium">
                      {t('apiDocs.paramIn')}
                    </th>
                    <th scope="col" className="font-medium">
                      {t('apiDocs.paramType')}
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {params.map((p) => (
                    <tr key={`${p.in}:${p.name}`}>
                      <td className="pr-4 font-mono">
                        {p.name}
                        {p.required ? '' : '?'}
                      </td>
                      <td className="pr-4">{p.in}</td>
                      <td className="font-mono">{schemaText(p.schema)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
          {body !== undefined && (
            <div>
              <h3 className="font-semibold text-slate-800">{t('apiDocs.body')}</h3>
              <Schema schema={body} />
            </div>
          )}
          <div>
            <h3 className="font-semibold text-slate-800">{t('apiDocs.responses')}</h3>
            <ul className="space-y-2">
              {answers.map(([status, r]) => {
                const content = Object.entries(r.content ?? {})[0];
                return (
                  <li key={status}>
                    <span className="font-mono">{status}</span> {r.description}
                    {content && content[0] !== 'application/json' && (
                      <span className="text-slate-600"> ({content[0]})</span>
                    )}
                    {content?.[1].schema !== undefined && <Schema schema={content[1].schema} />}
                  </li>
                );
              })}
              <li className="text-slate-600">{t('apiDocs.errors')}</li>
            </ul>
          </div>
        </div>
      </details>
    </li>
  );
}

/** The REST API, read from /api/openapi.json: each route, who may call it, what it takes and answers. */
export function ApiDocsPage() {
  const { t } = useI18n();
  const state = useOpenApi();
  return (
    <section data-testid="api-page" aria-labelledby="api-heading" className="space-y-4">
      <div className="space-y-1">
        <h1 id="api-heading" className="text-xl font-semibold text-slate-900">
          {t('apiDocs.heading')}
        </h1>
        <p className="text-sm text-slate-600">
          {t('apiDocs.intro')}{' '}
          <a className="font-mono text-sky-800 underline" href={OPENAPI_URL}>
            {OPENAPI_URL}
          </a>
        </p>
      </div>
      {state.status === 'loading' && <Notice>{t('apiDocs.loading')}</Notice>}
      {state.status === 'error' && <Notice tone="error">{t(state.problem.key, state.problem.vars)}</Notice>}
      {state.status === 'ready' && (
        <ul aria-label={t('apiDocs.listLabel')} className="space-y-2">
          {Object.entries(state.doc.paths).flatMap(([path, item]) =>
            Object.entries(item).map(([method, op]) => (
              <Operation key={`${method} ${path}`} method={method} path={path} op={op} />
            )),
          )}
        </ul>
      )}
    </section>
  );
}
