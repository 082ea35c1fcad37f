import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { composeArchiveCommand, expandedArchiveCommandBytes } from './archive-command.ts';
import { capabilitiesFor } from './capabilities.ts';
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
    expect(line.startsWith('f(){ ')).toBe(true);
    expect(line).toContain('; r=0; f ');
    expect(line.endsWith('|| r=1; exit $r')).toBe(true);
  });
});

const logDir = mkdtempSync('/var/tmp/walboard-archive-argv-');
afterAll(() => rmSync(logDir, { recursive: true, force: true }));

describe('composeArchiveCommand with several standbys: one shell function, short enough for 15', () => {
  const ssh = (host: string, port = 22) => ({
    kind: 'ssh' as const,
    user: 'postgres',
    host,
    port,
    dir: '/var/lib/postgresql/wal_archive',
    identityFile: '/var/lib/postgresql/.ssh/id_ed25519',
  });
  const line = composeArchiveCommand([ssh('10.0.0.12'), ssh('10.0.0.13', 2222), ssh('10.0.0.14')], {
    fsync: true,
  });

  it('three ssh standbys fit in 1023 bytes once PostgreSQL fills in the longest %p and %f', () => {
    expect(expandedArchiveCommandBytes(line, 'pg_wal')).toBeLessThanOrEqual(
      capabilitiesFor(150018).archiveCommandMaxBytes as number,
    );
    expect(line).toBe(
      'f(){ o=$(rsync -a --ignore-existing -i --fsync "$@") && { test -n "$o" || { v=$(rsync -c -n -i "$@") && test -z "$v"; }; }; }; ' +
        "k0='ssh -o BatchMode=yes -o StrictHostKeyChecking=yes -o IdentitiesOnly=yes -o ConnectTimeout=10 -o ControlMaster=auto -o ControlPath=/var/lib/postgresql/.ssh/wb-%%C -o ControlPersist=60 -i /var/lib/postgresql/.ssh/id_ed25519'; r=0; " +
        'f -e "$k0"\' -p 22\' %p postgres@10.0.0.12:/var/lib/postgresql/wal_archive/%f || r=1; ' +
        'f -e "$k0"\' -p 2222\' %p postgres@10.0.0.13:/var/lib/postgresql/wal_archive/%f || r=1; ' +
        'f -e "$k0"\' -p 22\' %p postgres@10.0.0.14:/var/lib/postgresql/wal_archive/%f || r=1; exit $r',
    );
  });

  it('each call runs the same two rsync argv as the one-standby line (checked by sh itself)', () => {
    // Replace rsync with a function that prints its argv, one argument per line, and succeeds.
    const shown = spawnSync(
      '/bin/sh',
      [
        '-c',
        `rsync(){ printf '%s\\n' "$@" >> "$LOG"; echo '>f+++++++++ x'; }; ${substitutePgCommand(line, { p: 'pg_wal/S', f: 'S' })}`,
      ],
      { encoding: 'utf8', env: { ...process.env, LOG: join(logDir, 'argv') } },
    );
    expect(shown.status).toBe(0);
    const one = (t: ReturnType<typeof ssh>) =>
      substitutePgCommand(composeArchiveCommand([t], { fsync: true }), { p: 'pg_wal/S', f: 'S' });
    const expected = spawnSync(
      '/bin/sh',
      [
        '-c',
        `rsync(){ printf '%s\\n' "$@" >> "$LOG"; echo '>f+++++++++ x'; }; ${[ssh('10.0.0.12'), ssh('10.0.0.13', 2222), ssh('10.0.0.14')].map(one).join('; ')}`,
      ],
      { encoding: 'utf8', env: { ...process.env, LOG: join(logDir, 'argv1') } },
    );
    expect(expected.status).toBe(0);
    const got = readFileSync(join(logDir, 'argv'), 'utf8');
    expect(got).toBe(readFileSync(join(logDir, 'argv1'), 'utf8'));
    expect(got.split('\n')).toContain(
      'ssh -o BatchMode=yes -o StrictHostKeyChecking=yes -o IdentitiesOnly=yes -o ConnectTimeout=10 -o ControlMaster=auto -o ControlPath=/var/lib/postgresql/.ssh/wb-%C -o ControlPersist=60 -i /var/lib/postgresql/.ssh/id_ed25519 -p 2222',
    );
  });

  it('standbys reached with different keys get one variable each', () => {
    const l = composeArchiveCommand([ssh('a'), { ...ssh('b'), identityFile: '/k/id' }, ssh('c')], {
      fsync: false,
    });
    expect(l).toContain("k1='ssh ");
    expect(l).toContain('f -e "$k1"\' -p 22\' %p postgres@b:');
    expect(l).toContain('f -e "$k0"\' -p 22\' %p postgres@c:');
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

  it('three targets: a different file under the name in the middle one fails the command, the others still get it', () => {
    const [x, y, z] = ['x', 'y', 'z'].map((d) => join(base, d)) as [string, string, string];
    for (const d of [x, y, z]) mkdirSync(d);
    writeFileSync(join(y, seg), 'older server');
    writeFileSync(join(pgwal, seg), 'this server');
    const r = run([x, y, z]);
    expect(r.status).toBe(1);
    expect(readFileSync(join(y, seg), 'utf8')).toBe('older server');
    expect(readFileSync(join(x, seg), 'utf8')).toBe('this server');
    expect(readFileSync(join(z, seg), 'utf8')).toBe('this server');
    // Only rsync's renamed files: no temporary name left behind in any target.
    for (const d of [x, y, z]) expect(readdirSync(d)).toEqual([seg]);
    rmSync(join(y, seg));
    expect(run([x, y, z]).status).toBe(0);
    expect(readFileSync(join(y, seg), 'utf8')).toBe('this server');
  });
});
