import type { AuditConfig } from '@walboard/shared/config';
import type { AuditStore } from '../store/audit-store.ts';
import type { AuditLog } from './audit-log.ts';

const HOUR_MS = 3600_000;
const DAY_MS = 24 * HOUR_MS;

/**
 * Deletes audit rows older than audit.retentionDays (and the oldest beyond audit.maxRows), and
 * records how many it deleted, so that a shrinking log is itself in the log.
 */
export function pruneAudit(
  store: AuditStore,
  audit: AuditLog,
  config: AuditConfig,
  now = Date.now(),
): number {
  const cutoff = new Date(now - config.retentionDays * DAY_MS).toISOString();
  const old = store.deleteOlderThan(cutoff);
  const over = config.maxRows !== undefined ? store.keepNewest(config.maxRows) : 0;
  if (old + over > 0) {
    audit.record({
      actor: null,
      source: 'walboard',
      action: 'audit.prune',
      target: null,
      detail: { olderThan: cutoff, deletedOld: old, deletedOverMax: over },
      result: 'ok',
      message: `deleted ${old + over} audit entries (kept ${config.retentionDays} days${
        config.maxRows !== undefined ? `, at most ${config.maxRows} rows` : ''
      }; audit in walboard.yaml)`,
    });
  }
  return old + over;
}

/** Runs pruneAudit now and then hourly; the timer never keeps the process alive. */
export function startAuditRetention(
  run: () => void,
  onError: (err: Error) => void,
  everyMs = HOUR_MS,
): { stop(): void } {
  const once = () => {
    try {
      run();
    } catch (err) {
      onError(err as Error);
    }
  };
  once();
  const timer = setInterval(once, everyMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
