import type { RequestProblem } from '../../api/get-json.ts';
import { useI18n } from '../../i18n/i18n.tsx';
import { Notice } from '../../layout/Notice.tsx';
import type { ClustersState } from './use-clusters.ts';

function useProblemText(problem: RequestProblem): string {
  const { t } = useI18n();
  switch (problem.kind) {
    case 'unreachable':
      return t('clusters.unreachable');
    case 'not-json':
      return t('clusters.notJson', { status: problem.status });
    case 'server':
      return t('clusters.error', { message: problem.message });
  }
}

function ProblemNotice({ problem, onRetry }: { problem: RequestProblem; onRetry: () => void }) {
  const { t } = useI18n();
  return (
    <Notice tone="error">
      <span>{useProblemText(problem)}</span>
      <button
        type="button"
        onClick={onRetry}
        className="rounded-md border border-red-300 bg-white px-3 py-1 font-medium text-red-900 hover:bg-red-100 focus-visible:outline-2 focus-visible:outline-red-700"
      >
        {t('clusters.retry')}
      </button>
    </Notice>
  );
}

/** What stands in for the overview while there is no cluster to show. */
export function ClustersNotice({ clusters, onRetry }: { clusters: ClustersState; onRetry: () => void }) {
  const { t } = useI18n();
  switch (clusters.status) {
    case 'loading':
      return <Notice>{t('clusters.loading')}</Notice>;
    case 'error':
      return <ProblemNotice problem={clusters.problem} onRetry={onRetry} />;
    case 'ready':
      return <Notice>{t('clusters.none')}</Notice>;
  }
}
