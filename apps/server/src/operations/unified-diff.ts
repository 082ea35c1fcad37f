/**
 * A unified diff (`diff -u` style) of two texts, for showing a file change before it is made.
 * Config files are small; the common prefix and suffix are trimmed first so the LCS table only
 * covers the changed middle, and a huge middle falls back to one replace hunk.
 */

const CONTEXT = 3;
const MAX_TABLE = 4_000_000;

type Op = { kind: ' ' | '-' | '+'; text: string };

function splitLines(text: string): string[] {
  if (text === '') return [];
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

function diffOps(a: string[], b: string[]): Op[] {
  let pre = 0;
  while (pre < a.length && pre < b.length && a[pre] === b[pre]) pre++;
  let suf = 0;
  while (suf < a.length - pre && suf < b.length - pre && a[a.length - 1 - suf] === b[b.length - 1 - suf])
    suf++;
  const am = a.slice(pre, a.length - suf);
  const bm = b.slice(pre, b.length - suf);
  const middle: Op[] = [];
  if (am.length * bm.length > MAX_TABLE) {
    for (const t of am) middle.push({ kind: '-', text: t });
    for (const t of bm) middle.push({ kind: '+', text: t });
  } else {
    const w = bm.length + 1;
    const lcs = new Uint32Array((am.length + 1) * w);
    for (let i = am.length - 1; i >= 0; i--)
      for (let j = bm.length - 1; j >= 0; j--)
        lcs[i * w + j] =
          am[i] === bm[j]
            ? (lcs[(i + 1) * w + j + 1] as number) + 1
            : Math.max(lcs[(i + 1) * w + j] as number, lcs[i * w + j + 1] as number);
    let i = 0;
    let j = 0;
    while (i < am.length || j < bm.length) {
      if (i < am.length && j < bm.length && am[i] === bm[j]) {
        middle.push({ kind: ' ', text: am[i++] as string });
        j++;
      } else if (
        i < am.length &&
        (j >= bm.length || (lcs[(i + 1) * w + j] as number) >= (lcs[i * w + j + 1] as number))
      ) {
        // Removals before additions on a tie, as diff -u prints a replaced line.
        middle.push({ kind: '-', text: am[i++] as string });
      } else middle.push({ kind: '+', text: bm[j++] as string });
    }
  }
  return [
    ...a.slice(0, pre).map((text) => ({ kind: ' ' as const, text })),
    ...middle,
    ...a.slice(a.length - suf).map((text) => ({ kind: ' ' as const, text })),
  ];
}

/** `--- path` / `+++ path` and hunks with 3 lines of context; '' when nothing changes. `before` null = new file. */
export function unifiedDiff(path: string, before: string | null, after: string): string {
  const ops = diffOps(splitLines(before ?? ''), splitLines(after));
  const changed = ops.map((o, i) => (o.kind === ' ' ? -1 : i)).filter((i) => i >= 0);
  if (changed.length === 0) return '';
  const out = [`--- ${before === null ? '/dev/null' : path}`, `+++ ${path}`];
  let k = 0;
  while (k < changed.length) {
    const start = Math.max(0, (changed[k] as number) - CONTEXT);
    let end = Math.min(ops.length, (changed[k] as number) + CONTEXT + 1);
    while (k + 1 < changed.length && (changed[k + 1] as number) - CONTEXT <= end) {
      k++;
      end = Math.min(ops.length, (changed[k] as number) + CONTEXT + 1);
    }
    k++;
    let aLine = 1;
    let bLine = 1;
    for (let i = 0; i < start; i++) {
      if (ops[i]?.kind !== '+') aLine++;
      if (ops[i]?.kind !== '-') bLine++;
    }
    const hunk = ops.slice(start, end);
    const aLen = hunk.filter((o) => o.kind !== '+').length;
    const bLen = hunk.filter((o) => o.kind !== '-').length;
    out.push(`@@ -${aLen === 0 ? aLine - 1 : aLine},${aLen} +${bLen === 0 ? bLine - 1 : bLine},${bLen} @@`);
    for (const o of hunk) out.push(`${o.kind}${o.text}`);
  }
  return `${out.join('\n')}\n`;
}
