import { RequestError } from '../../api/get-json.ts';
import { useI18n } from '../../i18n/i18n.tsx';
import { Header } from '../../layout/Header.tsx';
import { Notice } from '../../layout/Notice.tsx';
import { problemText } from './request-problem.ts';
import type { GateState } from './session-state.ts';

/** While the first GET /api/session is under way, or when it could not reach the server. */
export function SessionCheckNotice({
  state,
  onRetry,
}: {
  state: Extract<GateState, { status: 'checking' | 'unreachable' }>;
  onRetry: () => void;
}) {
  const { t } = useI18n();
  const problem = state.status === 'unreachable' ? problemText(new RequestError(state.problem)) : null;
  return (
    <div className="min-h-screen bg-slate-100">
      <Header />
      <main className="mx-auto max-w-screen-2xl p-4">
        {problem ? (
          <Notice tone="error">
            <span>{t(problem.key, problem.vars)}</span>
            <button
              type="button"
              onClick={onRetry}
              className="rounded-md border border-red-300 bg-white px-3 py-1 font-medium text-red-900 hover:bg-red-100 focus-visible:outline-2 focus-visible:outline-red-700"
            >
              {t('session.retry')}
            </button>
          </Notice>
        ) : (
          <Notice>{t('session.checking')}</Notice>
        )}
      </main>
    </div>
  );
}
