/** A number or text for a data attribute: tests read the picture's numbers there; unknown is "". */
export const attr = (v: string | number | boolean | null | undefined): string =>
  v === null || v === undefined ? '' : String(v);

/** Fill as a data attribute: 4 decimals, enough to see a few KiB move inside 16 MiB. */
export const fillAttr = (fill: number | null): string => (fill === null ? '' : fill.toFixed(4));
