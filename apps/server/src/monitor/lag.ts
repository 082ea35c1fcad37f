import type { Lag } from '@walboard/shared/status';

export { bytesBehind, laterLsn, lsnToBigInt } from '../postgres/lsn.ts';

import { bytesBehind, laterLsn } from '../postgres/lsn.ts';

export interface LagInput {
  /** The primary's pg_current_wal_lsn(). */
  primaryCurrentLsn: string | null;
  /** The primary's pg_stat_replication row for this standby, when it streams. */
  sender: { flushLsn: string | null; replayLsn: string | null; replayLagMs: number | null } | null;
  /** The standby's own observation, when walboard reaches it. */
  standby: {
    /** pg_last_wal_receive_lsn(): received and flushed to the standby's disk. */
    receiveLsn: string | null;
    replayLsn: string | null;
    lastReplayTimestamp: string | null;
    observedAt: string;
  } | null;
}

/**
 * Lag of one standby, in bytes and seconds.
 *
 * Bytes: primary current LSN − replay LSN, where the replay LSN is the later of the sender's
 * (reported by the standby at its last feedback) and the standby's own (polled directly): both
 * are lower bounds of what is really replayed, the later one is the truer.
 *
 * Seconds, in this order:
 *  - 0 when everything is replayed ('caught-up'). PostgreSQL's replay_lag goes NULL when idle, and
 *    "now − last replayed commit" grows forever on an idle primary: neither is lag.
 *  - the sender's replay_lag ('sender'), measured by PostgreSQL itself.
 *  - the standby's observation time − its last replayed commit ('replay-timestamp'), an upper
 *    bound used only when bytes are outstanding and replay_lag is NULL or missing (< 10).
 *  - else unknown.
 */
export function computeLag(input: LagInput): Lag {
  const replayLsn = laterLsn(input.sender?.replayLsn ?? null, input.standby?.replayLsn ?? null);
  const replayBytes = bytesBehind(input.primaryCurrentLsn, replayLsn);
  // What is replayed is flushed too: a stale sender flush LSN must not show more than replay lag.
  const flushBytes = bytesBehind(
    input.primaryCurrentLsn,
    laterLsn(laterLsn(input.sender?.flushLsn ?? null, input.standby?.receiveLsn ?? null), replayLsn),
  );

  if (replayBytes === 0) {
    return { replayBytes, flushBytes, replaySeconds: 0, secondsSource: 'caught-up' };
  }
  const senderLag = input.sender?.replayLagMs ?? null;
  if (senderLag !== null && Number.isFinite(senderLag)) {
    return { replayBytes, flushBytes, replaySeconds: Math.max(0, senderLag) / 1000, secondsSource: 'sender' };
  }
  const ts = input.standby?.lastReplayTimestamp ?? null;
  if (replayBytes !== null && ts !== null && input.standby) {
    const seconds = (Date.parse(input.standby.observedAt) - Date.parse(ts)) / 1000;
    if (Number.isFinite(seconds)) {
      return {
        replayBytes,
        flushBytes,
        replaySeconds: Math.max(0, seconds),
        secondsSource: 'replay-timestamp',
      };
    }
  }
  return { replayBytes, flushBytes, replaySeconds: null, secondsSource: 'unknown' };
}
