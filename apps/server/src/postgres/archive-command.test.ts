import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { composeArchiveCommand } from './archive-command.ts';
import { substitutePgCommand } from './pg-command.ts';

describe('composeArchiveCommand: the line PostgreSQL runs', () => {
  it('ships over ssh with batch mode, the known host key only, and this key only', () => {
    const line = composeArchiveCommand(
      [
        {
          kind: 'ssh',
          user: 'postgres',
          host: '10.0.0.12',
          port: 22,
          dir: '/var/lib/postgresql/wal_archive',
          identityFile: '/var/lib/postgresql/.ssh/id_ed25519',
        },
      ],
      { fsync: true },
    );
    expect(line).toBe(
      'o=$(rsync -a --ignore-existing -i --fsync -e \'ssh -o BatchMode=yes -o StrictHostKeyChecking=yes -o IdentitiesOnly=yes -o ConnectTimeout=10 -o ControlMaster=auto -o ControlPath=/var/lib/postgresql/.ssh/wb-%%C -o ControlPersist=60 -i /var/lib/postgresql/.ssh/id_ed25519 -p 22\' %p postgres@10.0.0.12:/var/lib/postgresql/wal_archive/%f) && { test -n "$o" || { v=$(rsync -c -n -i -e \'ssh -o BatchMode=yes -o StrictHostKeyChecking=yes -o IdentitiesOnly=yes -o ConnectTimeout=10 -o ControlMaster=auto -o ControlPath=/var/lib/postgresql/.ssh/wb-%%C -o ControlPersist=60 -i /var/lib/postgresql/.ssh/id_ed25519 -p 22\' %p postgres@10.0.0.12:/var/lib/postgresql/wal_archive/%f) && test -z "$v"; }; }',
    );
  });

  it('leaves out the shared connection when its socket path would be too long', () => {
    const long = `/home/${'x'.repeat(60)}/.ssh/id_ed25519`;
    const line = composeArchiveCommand(
      [{ kind: 'ssh', user: 'u', host: 'h', port: 22, dir: '/a/b', identityFile: long }],
      {
        fsync: false,
      },
    );
    expect(line).not.toContain('ControlMaster');
  });

  it('doubles a % that belongs to a path, so it can never become a placeholder', () => {
    const line = composeArchiveCommand([{ kind: 'local', dir: '/srv/a%f' }], { fsync: false });
    expect(line).toContain(' /srv/a%%f/%f)');
    expect(substitutePgCommand(line, { p: 'pg_wal/X', f: 'X' })).toContain(' /srv/a%f/X)');
  });

  it('tries every target and fails when any one failed', () => {
    const line = composeArchiveCommand(
      [
        { kind: 'local', dir: '/a' },
        { kind: 'local', dir: '/b' },
      ],
      { fsync: false },
    );
    expect(line.startsWith('r=0; ')).toBe(true);
    expect(line.endsWith('|| r=1; exit $r')).toBe(true);
  });
});

// rsync is a requirement of walboard's nodes (.ci/run installs it): no skip when it is missing.
describe('composeArchiveCommand run by /bin/sh as PostgreSQL would', () => {
  const base = mkdtempSync('/var/tmp/walboard-archive-cmd-');
  afterAll(() => rmSync(base, { recursive: true, force: true }));
  const pgwal = join(base, 'pg_wal');
  mkdirSync(pgwal);
  const seg = '000000010000000000000003';

  const run = (dirs: string[]) => {
    const line = composeArchiveCommand(
      dirs.map((dir) => ({ kind: 'local' as const, dir })),
      { fsync: false },
    );
    return spawnSync('/bin/sh', ['-c', substitutePgCommand(line, { p: `pg_wal/${seg}`, f: seg })], {
      cwd: base,
      encoding: 'utf8',
    });
  };

  it('copies a new segment, accepts the same segment again, refuses a different one with the same name', () => {
    const a = join(base, 'a');
    mkdirSync(a);
    writeFileSync(join(pgwal, seg), 'first content');
    expect(run([a]).status).toBe(0);
    expect(readFileSync(join(a, seg), 'utf8')).toBe('first content');
    // PostgreSQL retries a segment after a crash: the same bytes are fine.
    expect(run([a]).status).toBe(0);
    // Another file under that name must never be replaced, and the archiver must hear of it.
    writeFileSync(join(pgwal, seg), 'other content');
    expect(run([a]).status).not.toBe(0);
    expect(readFileSync(join(a, seg), 'utf8')).toBe('first content');
  });

  it('fails when one of two targets is missing, after giving the segment to the other', () => {
    const b = join(base, 'b');
    mkdirSync(b);
    writeFileSync(join(pgwal, seg), 'x');
    const r = run([join(base, 'missing'), b]);
    expect(r.status).toBe(1);
    expect(readFileSync(join(b, seg), 'utf8')).toBe('x');
    execFileSync('mkdir', [join(base, 'missing')]);
    expect(run([join(base, 'missing'), b]).status).toBe(0);
  });
});
