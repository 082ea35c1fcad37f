import type { AuditEntry, AuditList } from '@walboard/shared/audit';
import { useCallback, useEffect, useRef, useState } from 'react';
import { getJson, isUnauthenticated } from '../../api/get-json.ts';
import { type ProblemText, problemText } from '../session/request-problem.ts';
import { appendOlder, auditPageSize, auditPath, oldestId } from './audit-format.ts';

export interface AuditView {
  entries: readonly AuditEntry[];
  /** true until the first page for the current filter arrived. */
  loading: boolean;
  /** A page was requested and is on its way (first, refresh or older). */
  fetching: boolean;
  /** false once a page came back shorter than asked: nothing older exists. */
  hasOlder: boolean;
  problem: ProblemText | null;
}

/** GET /api/audit for one action filter ('' = all): first page, refresh, and paging back with `before`. */
export function useAudit(action: string) {
  const [view, setView] = useState<AuditView>({
    entries: [],
    loading: true,
    fetching: true,
    hasOlder: false,
    problem: null,
  });
  const [refreshes, setRefreshes] = useState(0);
  const current = useRef<AbortController | null>(null);

  const fetchPage = useCallback(
    (
      before: number | undefined,
      merge: (shown: readonly AuditEntry[], page: AuditEntry[]) => AuditEntry[],
    ) => {
      current.current?.abort();
      const abort = new AbortController();
      current.current = abort;
      setView((v) => ({ ...v, fetching: true, problem: null }));
      getJson<AuditList>(auditPath({ limit: auditPageSize, before, action }), abort.signal).then(
        ({ entries }) =>
          setView((v) => ({
            entries: merge(v.entries, entries),
            loading: false,
            fetching: false,
            hasOlder: entries.length === auditPageSize,
            problem: null,
          })),
        (err: unknown) => {
          if (abort.signal.aborted || isUnauthenticated(err)) return;
          setView((v) => ({ ...v, loading: false, fetching: false, problem: problemText(err) }));
        },
      );
      return abort;
    },
    [action],
  );

  // biome-ignore lint/correctness/useExhaustiveDependencies: refreshes is the refetch trigger
  useEffect(() => {
    setView({ entries: [], loading: true, fetching: true, hasOlder: false, problem: null });
    const abort = fetchPage(undefined, (_shown, page) => page);
    return () => abort.abort();
  }, [fetchPage, refreshes]);

  const older = useCallback(() => {
    const before = oldestId(view.entries);
    if (before !== undefined) fetchPage(before, appendOlder);
  }, [view.entries, fetchPage]);
  const refresh = useCallback(() => setRefreshes((n) => n + 1), []);

  return { view, older, refresh };
}
