/** Reading the node failed (link down, permission): carries the node and what to try. */
export class NodeFactsError extends Error {
  constructor(
    readonly node: string,
    message: string,
  ) {
    super(message);
    this.name = 'NodeFactsError';
  }
}

/** "15" → 150000, "9.1" → 90100: the data directory's PG_VERSION as a server_version_num. */
export function versionNumFromPgVersion(text: string): number | null {
  const m = /^(\d+)(?:\.(\d+))?\s*$/.exec(text);
  if (!m) return null;
  return Number(m[1]) * 10000 + Number(m[2] ?? 0) * 100;
}
