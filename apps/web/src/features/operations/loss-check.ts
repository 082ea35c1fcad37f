import type { LossCheck } from '@walboard/shared/operations';
import { formatBytes } from '../../i18n/units.ts';

/** A byte count the server sends as decimal text (it may exceed 2^53), shown and kept raw. */
export interface ByteCount {
  /** The server's text, for data attributes and tests. */
  raw: string;
  /** Formatted like every other byte count on the page. */
  text: string;
  /** Nothing would be lost / left to replay. */
  zero: boolean;
}

/**
 * What the page says about fencing: needed (the server refuses without a fence), or why not —
 * the old primary is stopped, cannot be reached, or there is none.
 */
export type FenceAdvice = 'needed' | 'stopped' | 'unreachable' | 'none';

export interface LossCheckView {
  unreceived: ByteCount | null;
  unreplayed: ByteCount | null;
  advice: FenceAdvice;
}

/** Decimal text → a ByteCount; null for null (unknown) or text that is not a whole number. */
export function byteCount(raw: string | null): ByteCount | null {
  if (raw === null || !/^\d+$/.test(raw)) return null;
  // Number() loses precision only past 8 PiB, far beyond what a display rounds to.
  return { raw, text: formatBytes(Number(raw)), zero: /^0+$/.test(raw) };
}

/**
 * The loss check as the page explains it. fenceNeeded is the server's word (it refuses without a
 * fence then); otherwise the old primary's state says why no fence is asked for — and a stopped or
 * unreachable primary may still come back, which the page reminds the user of.
 */
export function lossCheckView(lc: LossCheck): LossCheckView {
  const advice: FenceAdvice = lc.fenceNeeded
    ? 'needed'
    : lc.oldPrimaryState === 'down'
      ? 'stopped'
      : lc.oldPrimaryState === 'unreachable'
        ? 'unreachable'
        : 'none';
  return { unreceived: byteCount(lc.unreceivedBytes), unreplayed: byteCount(lc.unreplayedBytes), advice };
}
