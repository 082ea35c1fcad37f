/** "16/B374D848" → a bigint byte position, so two LSNs can be compared exactly. */
export function lsnToBigInt(lsn: string): bigint {
  const m = /^([0-9A-F]{1,8})\/([0-9A-F]{1,8})$/.exec(lsn.trim());
  if (!m?.[1] || !m[2]) throw new Error(`not an LSN: "${lsn}"`);
  return (BigInt(`0x${m[1]}`) << 32n) | BigInt(`0x${m[2]}`);
}
