/** What one observation of a condition found: whether it holds, and what to say about it. */
export interface Observation {
  holds: boolean;
  value: number | string | null;
  /** One English sentence about this observation, used as the alert's summary. */
  summary: string;
}

/** Where a condition is: the rule's cluster and node (null for cluster-wide conditions). */
export interface ConditionKey {
  cluster: string;
  node: string | null;
}

export interface TrackerListener {
  /** The condition held for the whole window: exactly once per stretch of holding. */
  fire(key: ConditionKey, since: number, obs: Observation): void;
  /** The condition ended after having fired: exactly once, after fire. */
  resolve(key: ConditionKey, obs: Observation): void;
}

type State =
  | { phase: 'pending'; since: number; timer: NodeJS.Timeout | null; last: Observation }
  | { phase: 'firing'; since: number; last: Observation };

const keyText = (k: ConditionKey) => `${k.cluster}\u0000${k.node ?? ''}`;

/**
 * The state machine of one rule, per node: idle → pending (the for-window runs) → firing →
 * idle. Observations repeat (every poll, every heartbeat); only transitions reach the listener,
 * so a condition that lasts is announced once, and its end once.
 */
export class ConditionTracker {
  private readonly states = new Map<string, { key: ConditionKey; state: State }>();
  private stopped = false;

  constructor(
    private readonly forMs: number,
    private readonly listener: TrackerListener,
    private readonly now: () => number = Date.now,
  ) {}

  /** Feeds one observation; `null`-free: a source that cannot tell says nothing (no call). */
  observe(key: ConditionKey, obs: Observation): void {
    if (this.stopped) return;
    const id = keyText(key);
    const entry = this.states.get(id);
    if (!obs.holds) {
      if (!entry) return;
      this.states.delete(id);
      if (entry.state.phase === 'pending') {
        if (entry.state.timer) clearTimeout(entry.state.timer);
        return;
      }
      this.listener.resolve(key, obs);
      return;
    }
    if (entry) {
      // Still holding: only the latest value is kept (shown when it fires); nothing is sent.
      entry.state.last = obs;
      return;
    }
    const since = this.now();
    const state: State = { phase: 'pending', since, timer: null, last: obs };
    this.states.set(id, { key, state });
    if (this.forMs <= 0) {
      this.fire(id);
      return;
    }
    // A timer, not the next observation: sources only report changes (and a 2 s heartbeat), and
    // the alert must fire when the window ends, not at whatever report comes after it.
    state.timer = setTimeout(() => this.fire(id), this.forMs);
    state.timer.unref?.();
  }

  /** Keys in this cluster with any state (pending or firing): sources use it to end vanished ones. */
  tracked(cluster: string): ConditionKey[] {
    return [...this.states.values()].filter((e) => e.key.cluster === cluster).map((e) => e.key);
  }

  firingCount(): number {
    return [...this.states.values()].filter((e) => e.state.phase === 'firing').length;
  }

  stop(): void {
    this.stopped = true;
    for (const { state } of this.states.values()) {
      if (state.phase === 'pending' && state.timer) clearTimeout(state.timer);
    }
    this.states.clear();
  }

  private fire(id: string): void {
    const entry = this.states.get(id);
    if (entry?.state.phase !== 'pending' || this.stopped) return;
    const { since, last } = entry.state;
    entry.state = { phase: 'firing', since, last };
    this.listener.fire(entry.key, since, last);
  }
}
