import type { ClusterSummary } from '@walboard/shared';
import { lazy } from 'react';
import { useI18n } from '../../i18n/i18n.tsx';
import { Deferred } from '../../layout/Deferred.tsx';
import { Notice } from '../../layout/Notice.tsx';
import { ClusterPicker } from '../clusters/ClusterPicker.tsx';
import { ResetLab } from '../lab-reset/ResetLab.tsx';
import type { ClusterFeed } from '../live/use-cluster-feed.ts';
import type { LiveSocket } from '../live/use-live-socket.ts';
import { NodeActions } from '../operations/NodeActions.tsx';
import { useOperations } from '../operations/use-operations.ts';
import { NodeCard } from './NodeCard.tsx';

// The node cards are the first screen; the heavier parts below them load their code when shown.
const Topology = lazy(() => import('../history/Topology.tsx').then((m) => ({ default: m.Topology })));
const OverviewJourney = lazy(() =>
  import('../journey/OverviewJourney.tsx').then((m) => ({ default: m.OverviewJourney })),
);
const OperationsPanel = lazy(() =>
  import('../operations/OperationsPanel.tsx').then((m) => ({ default: m.OperationsPanel })),
);
const LagCharts = lazy(() => import('../history/LagCharts.tsx').then((m) => ({ default: m.LagCharts })));
const ArchivePanels = lazy(() =>
  import('../archive/ArchivePanels.tsx').then((m) => ({ default: m.ArchivePanels })),
);
const LogPanel = lazy(() => import('../logs/LogPanel.tsx').then((m) => ({ default: m.LogPanel })));

interface Props {
  clusters: readonly ClusterSummary[];
  cluster: string;
  onSelectCluster: (name: string) => void;
  feed: ClusterFeed;
  /** The page's live connection, for panels that follow more than the cluster room (logs). */
  socket?: LiveSocket | null;
}

/** One cluster: a live card per node, in the order the server lists them. */
export function OverviewPage({ clusters, cluster, onSelectCluster, feed, socket = null }: Props) {
  const { t } = useI18n();
  const { state, problem } = feed;
  const nodes = [...state.nodes.values()];
  const ops = useOperations(socket, cluster);

  return (
    <section aria-labelledby="overview-heading" className="space-y-4">
      <div className="flex flex-wrap items-center justify-between gap-3">
        <div className="flex items-baseline gap-3">
          <h1 id="overview-heading" className="text-xl font-semibold text-slate-900">
            {t('overview.heading', { cluster })}
          </h1>
          {state.loaded && (
            <span className="text-sm text-slate-600">{t('overview.nodeCount', { count: nodes.length })}</span>
          )}
        </div>
        <div className="flex flex-wrap items-center gap-3">
          <ResetLab />
          <ClusterPicker clusters={clusters} selected={cluster} onSelect={onSelectCluster} />
        </div>
      </div>

      {problem?.kind === 'rejected' && (
        <Notice tone="error">{t('overview.subscribeFailed', { cluster, message: problem.message })}</Notice>
      )}
      {problem?.kind === 'timeout' && (
        <Notice tone="error">{t('overview.subscribeTimeout', { cluster })}</Notice>
      )}

      {!state.loaded ? (
        // After a refusal no status will come: "waiting" would be a false promise.
        problem?.kind !== 'rejected' && <Notice>{t('overview.waiting')}</Notice>
      ) : nodes.length === 0 ? (
        <Notice>{t('overview.empty')}</Notice>
      ) : (
        <Deferred>
          <Topology cluster={cluster} nodes={nodes} links={state.links} />
        </Deferred>
      )}
      {state.loaded && nodes.length > 0 && (
        <Deferred>
          <OverviewJourney socket={socket} cluster={cluster} nodes={nodes} links={state.links} />
        </Deferred>
      )}
      {state.loaded && nodes.length > 0 && (
        <ul
          aria-label={t('overview.nodesLabel', { cluster })}
          className="grid grid-cols-[repeat(auto-fill,minmax(min(100%,21rem),1fr))] gap-4"
        >
          {nodes.map((status) => (
            <li key={status.node}>
              <NodeCard
                status={status}
                actions={
                  <NodeActions node={status.node} onPick={(type) => ops.pick({ node: status.node, type })} />
                }
              />
            </li>
          ))}
        </ul>
      )}

      {state.loaded && nodes.length > 0 && (
        <Deferred>
          <OperationsPanel ops={ops} nodes={nodes.map((n) => ({ name: n.node, role: n.role }))} />
        </Deferred>
      )}

      {state.loaded && nodes.length > 0 && (
        <Deferred>
          <LagCharts cluster={cluster} links={state.links} />
        </Deferred>
      )}

      {state.loaded && nodes.length > 0 && (
        <Deferred>
          <ArchivePanels socket={socket} cluster={cluster} nodes={nodes.map((n) => n.node)} />
        </Deferred>
      )}

      {state.loaded && nodes.length > 0 && (
        <Deferred>
          <LogPanel socket={socket} cluster={cluster} nodes={nodes.map((n) => n.node)} />
        </Deferred>
      )}
    </section>
  );
}
