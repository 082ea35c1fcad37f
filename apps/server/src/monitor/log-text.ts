/** Longest log line kept, in UTF-8 bytes; the rest is cut with a visible marker. */
export const MAX_LINE_BYTES = 8192;

/**
 * Cuts a line longer than `maxBytes` UTF-8 bytes at a character boundary and appends
 * " [truncated N bytes]" (N = bytes removed), so a 1 MB line costs at most ~8 KiB per copy kept.
 */
export function truncateLine(text: string, maxBytes = MAX_LINE_BYTES): string {
  // Fast path: a UTF-8 character is at most 3 bytes per UTF-16 unit.
  if (text.length * 3 <= maxBytes) return text;
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length <= maxBytes) return text;
  let cut = maxBytes;
  // Step back over continuation bytes (10xxxxxx) so no character is split.
  while (cut > 0 && ((bytes[cut] ?? 0) & 0xc0) === 0x80) cut--;
  return `${bytes.subarray(0, cut).toString('utf8')} [truncated ${bytes.length - cut} bytes]`;
}

/**
 * Where the lines not yet seen begin in what a restarted `tail -n K` printed: just after the last
 * place where the end of `seen` (the last lines received before the restart) appears in `replay`.
 * When the end of `seen` is not there (the file was rotated, or more than K lines were written
 * while the tail was down), every replayed line is new: 0.
 */
export function firstUnseen(seen: readonly string[], replay: readonly string[]): number {
  if (seen.length === 0) return 0;
  // Latest match first: a repeated block is taken as already seen rather than shown twice.
  for (let end = replay.length; end >= 1; end--) {
    // Near the start of the replay fewer lines can overlap; all of them must match.
    const k = Math.min(seen.length, end);
    let ok = true;
    for (let j = 1; j <= k; j++) {
      if (replay[end - j] !== seen[seen.length - j]) {
        ok = false;
        break;
      }
    }
    if (ok) return end;
  }
  return 0;
}
