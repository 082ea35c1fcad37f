import type { ClusterSummary } from '@walboard/shared';
import type { LabStepId } from '@walboard/shared/guide';
import type { ReactNode } from 'react';
import { useI18n } from '../../i18n/i18n.tsx';
import { Notice } from '../../layout/Notice.tsx';
import { ClusterPicker } from '../clusters/ClusterPicker.tsx';
import { ResetLab } from '../lab-reset/ResetLab.tsx';
import type { ClusterFeed } from '../live/use-cluster-feed.ts';
import type { LiveSocket } from '../live/use-live-socket.ts';
import { OperationDialog } from '../operations/OperationDialog.tsx';
import { runningOperation } from '../operations/operation-state.ts';
import { useOperations } from '../operations/use-operations.ts';
import { useCan } from '../session/session-context.ts';
import { useThenAndNow } from '../then-and-now/use-then-and-now.ts';
import { LabJourney } from './LabJourney.tsx';
import { LabStep } from './LabStep.tsx';
import { checkedCount, stepOperation } from './lab-view.ts';
import { PairPicker } from './PairPicker.tsx';
import { StepThenAndNow } from './StepThenAndNow.tsx';
import { useLabProgress } from './use-lab-progress.ts';

interface Props {
  clusters: readonly ClusterSummary[];
  cluster: string;
  onSelectCluster: (name: string) => void;
  feed: ClusterFeed;
  socket: LiveSocket | null;
  /** What a step shows besides its own parts (the then-and-now forms, the WAL journey). */
  stepExtra?: (step: LabStepId) => ReactNode;
}

/**
 * The lab as a guided checklist: each stage is an operation of walboard (plan shown, confirmed,
 * run live) and a Check on live state. Progress is the cluster's, shared by everyone watching.
 */
export function LabPage({ clusters, cluster, onSelectCluster, feed, socket, stepExtra }: Props) {
  const { t } = useI18n();
  const canOperate = useCan('operator');
  const lab = useLabProgress(socket, cluster);
  // Enough history for a whole lab run, whoever ran its steps.
  const ops = useOperations(socket, cluster, 60);
  const running = runningOperation(ops.state);
  const nodes = [...feed.state.nodes.values()].map((n) => ({ name: n.node, role: n.role }));
  const nodeNames = clusters.find((c) => c.name === cluster)?.nodes.map((n) => n.name) ?? [];
  const progress = lab.progress;
  // Both nodes of the lab run one major version (the first step checks it): the forms are read for
  // whichever of them walboard knows the version of now (the standby is stopped for a while).
  const pair = progress?.pair ?? null;
  const versionNode =
    [pair?.primary, pair?.standby].find((n) => n && feed.state.nodes.get(n)?.versionNum) ??
    pair?.primary ??
    '';
  const thenAndNow = useThenAndNow(cluster, versionNode, pair ?? undefined);

  return (
    <section aria-labelledby="lab-heading" data-testid="lab-page" className="space-y-4">
      <div className="flex flex-wrap items-center justify-between gap-3">
        <h1 id="lab-heading" className="text-xl font-semibold text-slate-900">
          {t('guide.heading', { cluster })}
        </h1>
        <div className="flex flex-wrap items-center gap-3">
          <ResetLab />
          <ClusterPicker clusters={clusters} selected={cluster} onSelect={onSelectCluster} />
        </div>
      </div>
      <p className="max-w-3xl text-sm text-slate-800">{t('guide.intro')}</p>
      {!canOperate && <Notice>{t('guide.viewerNote')}</Notice>}
      {lab.problem && <Notice tone="error">{t('guide.loadError', { message: lab.problem })}</Notice>}
      {!progress ? (
        !lab.problem && <Notice>{t('guide.loading')}</Notice>
      ) : (
        <>
          <div className="flex flex-wrap items-start justify-between gap-3">
            <PairPicker cluster={cluster} pair={progress.pair} nodes={nodeNames} onProgress={lab.report} />
            <p data-testid="lab-progress" className="text-sm font-semibold text-slate-900">
              {t('guide.progress', { done: checkedCount(progress), total: progress.steps.length })}
            </p>
          </div>
          <LabJourney
            socket={socket}
            cluster={cluster}
            pair={progress.pair}
            nodes={feed.state.nodes}
            links={feed.state.links}
          />
          <ol className="space-y-4">
            {progress.steps.map((step, i) => (
              <LabStep
                key={step.id}
                cluster={cluster}
                number={i + 1}
                step={step}
                operation={stepOperation(ops.state.operations, step.request, progress.since)}
                busy={running !== null}
                onRun={() =>
                  ops.pick({ node: step.request.node, type: step.request.type, params: step.request.params })
                }
                onProgress={lab.report}
                extra={
                  <>
                    <StepThenAndNow step={step.id} state={thenAndNow} />
                    {stepExtra?.(step.id)}
                  </>
                }
              />
            ))}
          </ol>
        </>
      )}
      {ops.picked && (
        <OperationDialog
          key={`${ops.picked.node}/${ops.picked.type}`}
          cluster={cluster}
          picked={ops.picked}
          nodes={nodes}
          running={running}
          onClose={() => ops.pick(null)}
          onStarted={(id) => {
            ops.pick(null);
            ops.follow(id);
          }}
        />
      )}
    </section>
  );
}
