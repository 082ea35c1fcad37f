import type { LabPair, LabProgress, LabStepId } from '@walboard/shared/guide';
import type { OperationPlan } from '@walboard/shared/operations';
import type { ArchiveWatchers } from '../monitor/archive-watcher.ts';
import type { ClusterMonitor } from '../monitor/cluster-monitor.ts';
import type { NodeSession } from '../nodes/node-session.ts';
import { ClusterReader } from '../operations/cluster-reader.ts';
import type { OperationRunner } from '../operations/operation-runner.ts';
import type { LabProgressStore, StoredLabProgress } from '../store/lab-progress-store.ts';
import { runLabCheck } from './lab-checks.ts';
import { defaultPair, stepRequest, stepRequests } from './lab-steps.ts';

export interface LabGuideDeps {
  store: LabProgressStore;
  sessions: readonly NodeSession[];
  monitor: ClusterMonitor;
  archive: ArchiveWatchers;
  runner: OperationRunner;
  /** Sends the whole progress to everyone watching the cluster. */
  publish: (progress: LabProgress) => void;
  now?: () => Date;
}

/** Why the lab cannot be shown or changed for a cluster: the routes turn it into 404 / 409. */
export class LabGuideError extends Error {
  constructor(
    readonly kind: 'no-cluster' | 'too-few-nodes' | 'no-node',
    message: string,
  ) {
    super(message);
  }
}

/** Operations of a lab run are found among the cluster's newest ones: a whole lab is far fewer. */
const OPERATIONS_LOOKED_AT = 200;

/** The guided lab of each cluster: its pair of nodes, its Checks, kept in the store. */
export class LabGuide {
  private readonly now: () => Date;

  constructor(private readonly deps: LabGuideDeps) {
    this.now = deps.now ?? (() => new Date());
  }

  private nodes(cluster: string): string[] {
    const names = this.deps.sessions.filter((s) => s.cluster === cluster).map((s) => s.name);
    if (names.length === 0) throw new LabGuideError('no-cluster', `no cluster named "${cluster}"`);
    return names;
  }

  private stored(cluster: string): StoredLabProgress {
    const nodes = this.nodes(cluster);
    const kept = this.deps.store.get(cluster);
    // A pair naming a node walboard.yaml no longer has starts the lab afresh.
    if (kept && nodes.includes(kept.pair.primary) && nodes.includes(kept.pair.standby)) return kept;
    const pair = defaultPair(nodes);
    if (!pair)
      throw new LabGuideError(
        'too-few-nodes',
        `cluster "${cluster}" has one node: the lab needs two (a primary and a future standby); add one to walboard.yaml`,
      );
    // Kept at once: the lab's run begins when it is first shown, and operations from then count.
    const fresh = { cluster, pair, since: this.now().toISOString(), checks: {}, updatedAt: null };
    this.deps.store.set(fresh);
    return fresh;
  }

  progress(cluster: string): LabProgress {
    const p = this.stored(cluster);
    return {
      cluster,
      pair: p.pair,
      since: p.since,
      steps: stepRequests(p.pair).map(({ id, request }) => ({ id, request, check: p.checks[id] ?? null })),
      updatedAt: p.updatedAt,
    };
  }

  /** Chooses the lab's nodes; the lab starts over (earlier Checks no longer prove anything). */
  setPair(cluster: string, pair: LabPair): LabProgress {
    const nodes = this.nodes(cluster);
    for (const n of [pair.primary, pair.standby])
      if (!nodes.includes(n))
        throw new LabGuideError(
          'no-node',
          `no node "${n}" in cluster "${cluster}": choose one of ${nodes.join(', ')}`,
        );
    return this.save({ cluster, pair, since: this.now().toISOString(), checks: {}, updatedAt: null });
  }

  /** Forgets the cluster's progress (the lab servers were reset): everyone sees step one again. */
  restart(cluster: string): LabProgress {
    const p = this.stored(cluster);
    return this.save({ cluster, pair: p.pair, since: this.now().toISOString(), checks: {}, updatedAt: null });
  }

  /** Plans being made now, by cluster and step: viewers asking at once share one. */
  private readonly planning = new Map<string, Promise<OperationPlan>>();

  /**
   * The dry-run plan of a step's operation: the exact commands for these nodes and this version.
   * Planning reads facts on the nodes (commands, queries); any viewer may ask, so requests that
   * arrive while the same plan is being made get that one instead of starting another.
   */
  plan(cluster: string, step: LabStepId): Promise<OperationPlan> {
    const p = this.stored(cluster);
    const key = `${cluster}\0${step}\0${p.pair.primary}\0${p.pair.standby}`;
    const inFlight = this.planning.get(key);
    if (inFlight) return inFlight;
    const made = this.deps.runner
      .plan(cluster, { ...stepRequest(step, p.pair), dryRun: true })
      .finally(() => this.planning.delete(key));
    this.planning.set(key, made);
    return made;
  }

  /** Runs a step's Check on live state, keeps its result and sends it to everyone watching. */
  async check(cluster: string, step: LabStepId, by: string): Promise<LabProgress> {
    const p = this.stored(cluster);
    const outcome = await runLabCheck(step, {
      pair: p.pair,
      since: p.since,
      snapshot: this.deps.monitor.snapshot(cluster),
      operations: this.deps.runner.list(cluster, OPERATIONS_LOOKED_AT),
      reader: new ClusterReader(cluster, this.deps.sessions, this.now()),
      archive: (node) => this.deps.archive.listing(cluster, node),
    });
    // Read again: another Check may have finished while this one ran.
    const latest = this.stored(cluster);
    const at = this.now().toISOString();
    return this.save({
      ...latest,
      checks: { ...latest.checks, [step]: { ...outcome, checkedAt: at, checkedBy: by } },
      updatedAt: at,
    });
  }

  private save(p: StoredLabProgress): LabProgress {
    this.deps.store.set(p);
    const progress = this.progress(p.cluster);
    this.deps.publish(progress);
    return progress;
  }
}
