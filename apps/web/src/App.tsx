import { lazy, useEffect } from 'react';
import { ClustersNotice } from './features/clusters/ClustersNotice.tsx';
import { useClusters } from './features/clusters/use-clusters.ts';
import { useSelectedCluster } from './features/clusters/use-selected-cluster.ts';
import { ConnectionBanner } from './features/live/ConnectionBanner.tsx';
import { useClusterFeed } from './features/live/use-cluster-feed.ts';
import { useLiveSocket } from './features/live/use-live-socket.ts';
import { visibleRoute } from './features/navigation/route.ts';
import { useRoute } from './features/navigation/use-route.ts';
import { OverviewPage } from './features/overview/OverviewPage.tsx';
import { AutoLoginNotice } from './features/session/AutoLoginNotice.tsx';
import { useSession } from './features/session/session-context.ts';
import { useI18n } from './i18n/i18n.tsx';
import { Deferred } from './layout/Deferred.tsx';
import { Header } from './layout/Header.tsx';

// Every section but the overview loads its code when first opened: the first screen stays small.
const AlertsPage = lazy(() =>
  import('./features/alerts/AlertsPage.tsx').then((m) => ({ default: m.AlertsPage })),
);
const ApiDocsPage = lazy(() =>
  import('./features/api-docs/ApiDocsPage.tsx').then((m) => ({ default: m.ApiDocsPage })),
);
const AuditPage = lazy(() =>
  import('./features/audit/AuditPage.tsx').then((m) => ({ default: m.AuditPage })),
);
const LabPage = lazy(() => import('./features/guide/LabPage.tsx').then((m) => ({ default: m.LabPage })));
const OperationHistoryPage = lazy(() =>
  import('./features/operation-history/OperationHistoryPage.tsx').then((m) => ({
    default: m.OperationHistoryPage,
  })),
);
const UsersPage = lazy(() =>
  import('./features/users/UsersPage.tsx').then((m) => ({ default: m.UsersPage })),
);

const noClusters: never[] = [];

export function App() {
  const { t } = useI18n();
  const session = useSession();
  // Mounted only inside the session gate: no socket is opened before there is a session.
  const live = useLiveSocket(session.expired, session.info.csrfToken);
  const route = visibleRoute(useRoute(), session.info.role);
  // A reconnect may mean the controller restarted with another walboard.yaml: list again.
  const { clusters, retry } = useClusters(live.reconnects);
  const list = clusters.status === 'ready' ? clusters.clusters : noClusters;
  const [selected, select] = useSelectedCluster(list);
  const feed = useClusterFeed(live.socket, selected);

  useEffect(() => {
    document.title = selected ? t('app.documentTitle', { cluster: selected }) : t('app.name');
  }, [selected, t]);

  return (
    <div className="min-h-screen bg-slate-100">
      <Header />
      <AutoLoginNotice />
      <ConnectionBanner connection={live.connection} />
      <main className="mx-auto max-w-screen-2xl p-4">
        <Deferred>
          {route === 'users' ? (
            <UsersPage />
          ) : route === 'api' ? (
            <ApiDocsPage />
          ) : route === 'audit' ? (
            <AuditPage />
          ) : route === 'lab' && selected ? (
            <LabPage
              clusters={list}
              cluster={selected}
              onSelectCluster={select}
              feed={feed}
              socket={live.socket}
            />
          ) : route === 'alerts' && selected ? (
            <AlertsPage clusters={list} cluster={selected} onSelectCluster={select} socket={live.socket} />
          ) : route === 'operations' && selected ? (
            <OperationHistoryPage
              clusters={list}
              cluster={selected}
              onSelectCluster={select}
              socket={live.socket}
            />
          ) : selected ? (
            <OverviewPage
              clusters={list}
              cluster={selected}
              onSelectCluster={select}
              feed={feed}
              socket={live.socket}
            />
          ) : (
            <ClustersNotice clusters={clusters} onRetry={retry} />
          )}
        </Deferred>
      </main>
    </div>
  );
}
