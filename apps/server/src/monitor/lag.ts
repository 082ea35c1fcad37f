import type { Lag } from '@walboard/shared/status';

export { bytesBehind, laterLsn, lsnToBigInt } from '../postgres/lsn.ts';

import { bytesBehind, laterLsn } from '../postgres/lsn.ts';

export interface LagInput {
  /** The primary's pg_current_wal_lsn(). */
  primaryCurrentLsn: string | null;
  /** When the primary's status (its LSN and its senders) was observed. */
  primaryObservedAt?: string | null;
  /** The primary's sender row for this standby, when it streams. */
  sender: { flushLsn: string | null; replayLsn: string | null; replayLagMs: number | null } | null;
  /** The standby's own observation, when walboard reaches it. */
  standby: {
    /** pg_last_wal_receive_lsn(): received and flushed to the standby's disk. */
    receiveLsn: string | null;
    replayLsn: string | null;
    observedAt: string;
  } | null;
  /** When the primary was first seen past an LSN (walboard's WAL timeline of that primary). */
  firstSeenAfter?: (lsn: string) => number | null;
}

/**
 * Lag of one standby, in bytes and seconds.
 *
 * Bytes: primary current LSN − replay LSN, where the replay LSN is the later of the sender's
 * (reported by the standby at its last feedback) and the standby's own (polled directly): both
 * are lower bounds of what is really replayed, the later one is the truer.
 *
 * Seconds, in this order:
 *  - 0 when everything is replayed ('caught-up'). PostgreSQL's replay_lag goes NULL when idle.
 *  - the age of the oldest byte not replayed ('wal-timeline'): when the replay LSN was observed,
 *    minus when walboard first saw the primary past it. Never more than the real delay, short of it
 *    by at most one poll; a primary position newer than the standby's last poll gives ~0, not a spike.
 *  - the sender's replay_lag ('sender'), when the byte is older than walboard's record.
 *  - else unknown. "Now − last replayed commit" is never used: on a quiet server it is the time
 *    since the last commit, not lag.
 */
export function computeLag(input: LagInput): Lag {
  const senderReplay = input.sender?.replayLsn ?? null;
  const standbyReplay = input.standby?.replayLsn ?? null;
  const replayLsn = laterLsn(senderReplay, standbyReplay);
  const replayBytes = bytesBehind(input.primaryCurrentLsn, replayLsn);
  // What is replayed is flushed too: a stale sender flush LSN must not show more than replay lag.
  const flushBytes = bytesBehind(
    input.primaryCurrentLsn,
    laterLsn(laterLsn(input.sender?.flushLsn ?? null, input.standby?.receiveLsn ?? null), replayLsn),
  );

  if (replayBytes === 0) {
    return { replayBytes, flushBytes, replaySeconds: 0, secondsSource: 'caught-up' };
  }
  if (replayLsn !== null && replayBytes !== null && input.firstSeenAfter) {
    const since = input.firstSeenAfter(replayLsn);
    // The replay LSN is as old as the poll that saw it: the standby's own, or the primary's sender row.
    const seenAt =
      replayLsn === standbyReplay && input.standby
        ? input.standby.observedAt
        : (input.primaryObservedAt ?? null);
    const at = seenAt === null ? Number.NaN : Date.parse(seenAt);
    if (since !== null && Number.isFinite(at)) {
      return {
        replayBytes,
        flushBytes,
        replaySeconds: Math.max(0, at - since) / 1000,
        secondsSource: 'wal-timeline',
      };
    }
  }
  const senderLag = input.sender?.replayLagMs ?? null;
  if (senderLag !== null && Number.isFinite(senderLag)) {
    return { replayBytes, flushBytes, replaySeconds: Math.max(0, senderLag) / 1000, secondsSource: 'sender' };
  }
  return { replayBytes, flushBytes, replaySeconds: null, secondsSource: 'unknown' };
}
