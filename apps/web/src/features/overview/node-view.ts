import type { NodeStatus } from '@walboard/shared';

/** Reachable means every link walboard uses to the node is up (ssh, when it has one, and pg). */
export function isReachable(status: NodeStatus): boolean {
  return status.reachability.pg === 'up' && status.reachability.ssh !== 'down';
}

export type Age = { unit: 'seconds'; value: number } | { unit: 'minutes'; value: number };

/**
 * How long ago an observation was made, by this browser's clock; null if the time is unparsable.
 * Clamped at 0: a browser clock slightly behind the controller's must not show "-1 s ago".
 */
export function ageOf(observedAt: string, nowMs: number): Age | null {
  const at = Date.parse(observedAt);
  if (Number.isNaN(at)) return null;
  const seconds = Math.max(0, Math.floor((nowMs - at) / 1000));
  return seconds < 120
    ? { unit: 'seconds', value: seconds }
    : { unit: 'minutes', value: Math.floor(seconds / 60) };
}
