/** LSN arithmetic, exact (an LSN is 64 bits: a float would round it). */

/** "16/B374D848" → its byte position, exactly (an LSN is 64 bits: a float would round it). */
export function lsnToBigInt(lsn: string): bigint {
  const m = /^([0-9A-Fa-f]{1,8})\/([0-9A-Fa-f]{1,8})$/.exec(lsn.trim());
  if (!m?.[1] || !m[2]) throw new Error(`not an LSN: "${lsn}"`);
  return (BigInt(`0x${m[1]}`) << 32n) | BigInt(`0x${m[2]}`);
}

/**
 * Bytes from `behind` up to `ahead`, never negative: positions observed a few ms apart (two polls)
 * may cross, and "ahead of the primary" means caught up. null when either is unknown.
 */
export function bytesBehind(ahead: string | null, behind: string | null): number | null {
  if (ahead === null || behind === null) return null;
  const d = lsnToBigInt(ahead) - lsnToBigInt(behind);
  return d <= 0n ? 0 : Number(d);
}

/** The later of two LSNs (either may be unknown). */
export function laterLsn(a: string | null, b: string | null): string | null {
  if (a === null) return b;
  if (b === null) return a;
  return lsnToBigInt(a) >= lsnToBigInt(b) ? a : b;
}
