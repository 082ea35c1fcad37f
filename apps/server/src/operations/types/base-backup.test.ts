import { type NodeConfig, nodeSchema } from '@walboard/shared/config';
import { describe, expect, it } from 'vitest';
import { capabilitiesFor } from '../../postgres/capabilities.ts';
import { PlanRefusal } from '../plan-types.ts';
import { type BackupFacts, planBaseBackup } from './base-backup.ts';

const NOW = new Date('2025-03-04T05:06:07.089Z');
const STAMP = '20250304T050607089Z';
const GiB = 1024 ** 3;

function node(name: string, host: string, major = 15, configFile = true): NodeConfig {
  return nodeSchema.parse({
    name,
    host,
    ssh: { user: 'postgres', privateKeyPath: '/etc/walboard/id_ed25519' },
    postgres: {
      binDir: `/usr/lib/postgresql/${major}/bin`,
      dataDir: `/var/lib/postgresql/${major}/main`,
      ...(configFile ? { configFile: `/etc/postgresql/${major}/main/postgresql.conf` } : {}),
    },
    archiveDir: '/var/lib/postgresql/wal_archive',
  }) as NodeConfig;
}

/** db2 (a fresh, idle 15 running as its own primary) about to receive a copy of db1. */
function facts(over: Partial<BackupFacts> = {}, versionNum = 150018): BackupFacts {
  const major = Math.floor(versionNum / 10000);
  const caps = capabilitiesFor(versionNum);
  const standby = node('db2', '10.0.0.2', major);
  return {
    standby,
    server: { running: true, caps, inRecovery: false, queryError: null },
    primary: node('db1', '10.0.0.1', major),
    primaryCaps: caps,
    primaryAddress: '10.0.0.1',
    standbyMajor: major,
    archs: ['x86_64', 'x86_64'],
    clientSessions: [],
    upstream: null,
    sameSystem: false,
    freshCopy: false,
    stagingExists: false,
    parentWritable: true,
    freeBytes: 50 * GiB,
    primaryBytes: 2 * GiB,
    tablespaces: [],
    pgBasebackup: `/usr/lib/postgresql/${major}/bin/pg_basebackup`,
    pgpassReady: true,
    home: '/var/lib/postgresql',
    link: { home: '/var/lib/postgresql', target: { user: 'postgres', host: '10.0.0.2', port: 22 } },
    linkBroken: null,
    ...over,
  };
}

const REQ = {
  from: 'db1',
  method: 'pg_basebackup' as const,
  overwriteInUse: false,
  replicationUser: 'replicator',
};

describe('planBaseBackup: refusals', () => {
  it('a different major version on the standby', () => {
    expect(() => planBaseBackup(facts({ standbyMajor: 14 }), REQ, NOW)).toThrow(PlanRefusal);
    expect(() => planBaseBackup(facts({ standbyMajor: 14 }), REQ, NOW)).toThrow(
      'db2 has PostgreSQL 14 binaries and db1 runs 15: a physical copy only runs on the same major version; install PostgreSQL 15 on db2 and set its binDir',
    );
    // Unknown binaries are not held against it.
    expect(() => planBaseBackup(facts({ standbyMajor: null }), REQ, NOW)).not.toThrow();
  });

  it('a 9.6 standby copying a 9.6 primary is the same major', () => {
    const f = facts({ standbyMajor: 9.6 }, 90624);
    expect(() => planBaseBackup(f, REQ, NOW)).not.toThrow();
  });

  it('a different CPU architecture', () => {
    expect(() => planBaseBackup(facts({ archs: ['x86_64', 'aarch64'] }), REQ, NOW)).toThrow(
      'db2 is x86_64 and db1 is aarch64: data files cannot move between architectures',
    );
    // One architecture unknown: not refused for it.
    expect(() => planBaseBackup(facts({ archs: [null, 'aarch64'] }), REQ, NOW)).not.toThrow();
  });

  it('a running primary with client sessions, unless overwriteInUse', () => {
    const sessions = ['app@10.0.0.9 (orders)', 'app@10.0.0.9 (orders)', 'bob@local (psql)', 'x@local (y)'];
    const f = facts({ clientSessions: sessions });
    expect(() => planBaseBackup(f, REQ, NOW)).toThrow(
      'db2 runs as a primary with 4 client sessions (app@10.0.0.9 (orders), app@10.0.0.9 (orders), bob@local (psql)): its data would be replaced; stop those clients, or send overwriteInUse: true if this data may go',
    );
    expect(() => planBaseBackup(facts({ clientSessions: ['bob@local (psql)'] }), REQ, NOW)).toThrow(
      /with 1 client session \(bob@local \(psql\)\)/,
    );
    expect(planBaseBackup(f, { ...REQ, overwriteInUse: true }, NOW).steps.length).toBeGreaterThan(0);
  });

  it('a standby streaming from another primary, whatever else is wrong', () => {
    const f = facts({
      server: { running: true, caps: capabilitiesFor(150018), inRecovery: true, queryError: null },
      upstream: { host: '10.0.0.9', port: 5432, status: 'streaming' },
      archs: ['x86_64', 'aarch64'],
    });
    expect(() => planBaseBackup(f, REQ, NOW)).toThrow(
      'db2 is a standby streaming from 10.0.0.9:5432, not from db1 (10.0.0.1:5432): walboard does not take a standby away from another primary; stop it first if that is what you mean',
    );
    // The same host on another port is another server.
    const port = facts({
      server: { running: true, caps: capabilitiesFor(150018), inRecovery: true, queryError: null },
      upstream: { host: '10.0.0.1', port: 5433, status: 'streaming' },
    });
    expect(() => planBaseBackup(port, REQ, NOW)).toThrow(/streaming from 10\.0\.0\.1:5433, not from db1/);
  });

  it('not enough free disk beside the data directory (the databases + 10 %)', () => {
    expect(() => planBaseBackup(facts({ freeBytes: 2 * GiB, primaryBytes: 2 * GiB }), REQ, NOW)).toThrow(
      "db2 has 2.0 GiB free beside its data directory and the copy needs about 2.2 GiB (db1's databases + 10 %): the old data directory is kept, so free some space first",
    );
    expect(() =>
      planBaseBackup(facts({ freeBytes: Math.ceil(2.2 * GiB), primaryBytes: 2 * GiB }), REQ, NOW),
    ).not.toThrow();
    // Free space unknown: not refused for it.
    expect(() => planBaseBackup(facts({ freeBytes: null }), REQ, NOW)).not.toThrow();
  });

  it('the parent of the data directory is not writable', () => {
    expect(() => planBaseBackup(facts({ parentWritable: false }), REQ, NOW)).toThrow(
      'walboard builds the new copy beside /var/lib/postgresql/15/main and keeps the old one there: the node user on db2 must be able to create folders in its parent',
    );
  });

  it('no .pgpass entry for the replication role', () => {
    expect(() => planBaseBackup(facts({ pgpassReady: false }), REQ, NOW)).toThrow(
      'db2 has no password for replicator@10.0.0.1:5432 in /var/lib/postgresql/.pgpass: run configure-primary on db1 with db2 among its standbys first',
    );
  });

  it('tablespaces on the primary', () => {
    expect(() => planBaseBackup(facts({ tablespaces: ['fast_ssd'] }), REQ, NOW)).toThrow(
      /db1 has tablespaces \(fast_ssd\)/,
    );
  });

  it('no pg_basebackup of the version or newer: suggests the client package or method lab', () => {
    expect(() => planBaseBackup(facts({ pgBasebackup: null }), REQ, NOW)).toThrow(
      'db2 has no pg_basebackup for PostgreSQL 15 or newer (older ones refuse newer servers): install postgresql-client-15 there, or use method lab',
    );
    expect(() => planBaseBackup(facts({ pgBasebackup: null }), { ...REQ, method: 'lab' }, NOW)).not.toThrow();
  });

  it('method lab needs a non-exclusive low-level backup (9.6+)', () => {
    expect(() =>
      planBaseBackup(facts({ standbyMajor: null }, 90500), { ...REQ, method: 'lab' }, NOW),
    ).toThrow('PostgreSQL 9.5 has only exclusive low-level backups: use method pg_basebackup');
  });
});

describe('planBaseBackup: nothing to do', () => {
  it('already a standby of this primary (streaming, same system): no copy', () => {
    const f = facts({
      server: { running: true, caps: capabilitiesFor(150018), inRecovery: true, queryError: null },
      upstream: { host: '10.0.0.1', port: 5432, status: 'streaming' },
      sameSystem: true,
      // Whatever would otherwise refuse does not matter: nothing is done.
      pgpassReady: false,
      freeBytes: 0,
    });
    expect(planBaseBackup(f, REQ, NOW)).toEqual({
      steps: [],
      notes: [
        'db2 is already a standby of db1 (streaming): no new copy is needed. To copy anyway, stop db2 first.',
      ],
    });
  });

  it('a fresh copy not started yet (backup_label present, same system): configure it instead', () => {
    const f = facts({
      server: { running: false, caps: capabilitiesFor(150018), inRecovery: null, queryError: null },
      sameSystem: true,
      freshCopy: true,
    });
    expect(planBaseBackup(f, REQ, NOW)).toEqual({
      steps: [],
      notes: [
        'db2 holds a copy of db1 that has not been started yet (backup_label present): configure it as a standby and start it.',
      ],
    });
    // A backup_label from another system is not that copy.
    expect(planBaseBackup({ ...f, sameSystem: false }, REQ, NOW).steps.length).toBeGreaterThan(0);
  });
});

describe('planBaseBackup: the copy and the swap', () => {
  const DATA = '/var/lib/postgresql/15/main';
  const STAGING = `${DATA}.walboard-new`;
  const ASIDE = `${DATA}.walboard-old-${STAMP}`;

  it('pg_basebackup into the staging dir (password from .pgpass, never on the command line), then stop and swap', () => {
    const { steps, notes } = planBaseBackup(facts(), REQ, NOW);
    const shown = steps.map((s) => s.shown);
    expect(shown.map((s) => [s.node, s.kind])).toEqual([
      ['db2', 'command'],
      ['db2', 'command'],
      ['db2', 'command'],
      ['db2', 'command'],
      ['db2', 'check'],
    ]);
    const [sh, c, script, name, flushed, ...copy] = shown[0]?.argv ?? [];
    expect([sh, c, name, flushed]).toEqual(['sh', '-c', 'sh', STAGING]);
    // pg_basebackup's own end-of-copy sync is replaced by flushes during the copy and one at its end.
    expect(script).toContain('"$@" -N <&3 3<&- &');
    expect(script).toMatch(/\n\[ "\$rc" -eq 0 \] \|\| exit "\$rc"\n.*\nsync -f "\$d" \|\| /);
    expect(copy).toEqual([
      '/usr/lib/postgresql/15/bin/pg_basebackup',
      '-d',
      "host='10.0.0.1' port='5432' user='replicator'",
      '-D',
      STAGING,
      '-X',
      'stream',
      '-c',
      'fast',
      '-P',
      '-v',
      '-w',
      '-l',
      'walboard base backup for db2',
    ]);
    expect(shown[0]?.argv?.join(' ')).not.toMatch(/password/i);
    expect(shown[1]?.argv).toEqual([
      '/usr/lib/postgresql/15/bin/pg_ctl',
      'stop',
      '-D',
      DATA,
      '-w',
      '-t',
      '60',
      '-m',
      'fast',
    ]);
    expect(shown[2]?.argv).toEqual(['mv', '-T', '--', DATA, ASIDE]);
    expect(shown[3]?.argv).toEqual(['mv', '-T', '--', STAGING, DATA]);
    expect(shown[4]?.runs).toEqual([{ node: 'db2', argv: ['cat', '--', `${DATA}/backup_label`] }]);
    expect(notes).toEqual([
      `db2's old data directory is kept as ${ASIDE}: walboard never deletes it; remove it yourself once db2 runs as a standby.`,
      'db2 stays stopped with the new copy: configure it as a standby (configure-standby) before starting it, or it would start as a second primary.',
      "db2's configuration outside the data directory (/etc/postgresql/15/main/postgresql.conf) is kept as it is.",
    ]);
  });

  it('the stop and both moves are critical (a cancel waits for them); the copy is not', () => {
    const shown = planBaseBackup(facts(), REQ, NOW).steps.map((s) => s.shown);
    expect(shown.map((s) => s.critical ?? false)).toEqual([false, true, true, true, false]);
  });

  it('a stopped standby: no stop step, the first move is the first critical step', () => {
    const f = facts({
      server: { running: false, caps: capabilitiesFor(150018), inRecovery: null, queryError: null },
    });
    const { steps } = planBaseBackup(f, REQ, NOW);
    // The copy's argv is the flushing shell around pg_basebackup (its program is the 6th word).
    const program = (argv: readonly string[] | undefined) => (argv?.[0] === 'sh' ? argv[5] : argv?.[0]);
    expect(steps.map((s) => [program(s.shown.argv), s.shown.critical ?? false])).toEqual([
      ['/usr/lib/postgresql/15/bin/pg_basebackup', false],
      ['mv', true],
      ['mv', true],
      [undefined, false],
    ]);
    // The first step of the swap runs code of its own (it marks the copy as kept from then on).
    expect(typeof steps[1]?.run).toBe('function');
  });

  it('a staging directory left by an interrupted run is removed first', () => {
    const { steps } = planBaseBackup(facts({ stagingExists: true }), REQ, NOW);
    expect(steps[0]?.shown.argv).toEqual(['rm', '-rf', '--', STAGING]);
  });

  it('passfile from walboard.yaml goes into the conninfo', () => {
    const standby = nodeSchema.parse({
      name: 'db2',
      host: '10.0.0.2',
      ssh: { user: 'postgres', privateKeyPath: '/k' },
      postgres: {
        binDir: '/usr/lib/postgresql/15/bin',
        dataDir: DATA,
        passfile: '/var/lib/postgresql/.pgpass-walboard',
      },
    }) as NodeConfig;
    const { steps, notes } = planBaseBackup(facts({ standby }), REQ, NOW);
    expect(steps[0]?.shown.argv?.[7]).toBe(
      "host='10.0.0.1' port='5432' user='replicator' passfile='/var/lib/postgresql/.pgpass-walboard'",
    );
    expect(notes[2]).toBe(
      "db2's postgresql.conf lives in its data directory: the copy brings db1's; configure-standby adapts port and listen_addresses.",
    );
  });

  it('method lab: backup start, staging dir, the tar stream, backup stop, then the same swap', () => {
    const { steps } = planBaseBackup(facts(), { ...REQ, method: 'lab' }, NOW);
    const shown = steps.map((s) => s.shown);
    expect(shown.map((s) => [s.node, s.kind, s.critical ?? false])).toEqual([
      ['db1', 'sql', false],
      ['db2', 'command', false],
      ['db1', 'copy', false],
      ['db1', 'sql', false],
      ['db2', 'command', true],
      ['db2', 'command', true],
      ['db2', 'command', true],
      ['db2', 'check', false],
    ]);
    expect([shown[0]?.sql, shown[0]?.sqlParams]).toEqual([
      'SELECT pg_backup_start($1, true)::text AS lsn',
      ['walboard lab backup for db2'],
    ]);
    expect(shown[1]?.argv).toEqual(['mkdir', '-m', '700', '--', STAGING]);
    // The receiving tar runs in the shell that flushes the copy while it runs (and keeps its stdin).
    const receive = shown[2]?.pipeTo?.argv ?? [];
    expect(shown[2]?.pipeTo?.node).toBe('db2');
    expect([receive[0], receive[1], receive[3], receive[4]]).toEqual(['sh', '-c', 'sh', STAGING]);
    expect(receive[2]).toContain('"$@" <&3 3<&- &');
    expect(receive.slice(5)).toEqual(['tar', '-C', STAGING, '-xpf', '-']);
    // backup_label goes to disk with the copy, before the swap.
    expect(shown[3]?.runs?.[0]?.argv).toEqual([
      'sh',
      '-c',
      'sync -f "$1" 2>/dev/null || sync',
      'sh',
      STAGING,
    ]);
    // What runs on db1 is one sh -c line: tar into ssh to db2, tar's status read back on stderr.
    const [sh, c, line] = shown[2]?.argv ?? [];
    expect([sh, c]).toEqual(['sh', '-c']);
    expect(line).toMatch(
      /^\{ tar -C \/var\/lib\/postgresql\/15\/main -cf - .* \.; echo "walboard-tar-exit:\$\?" >&2; \} \| ssh .* -- postgres@10\.0\.0\.2 'sh -c .* tar -C .*main\.walboard-new -xpf -'$/s,
    );
    // The copy leaves out WAL and the files that would make the copy start as something else.
    for (const x of [
      "'--exclude=./pg_wal/*'",
      "'--exclude=./postmaster.pid'",
      "'--exclude=./standby.signal'",
      "'--exclude=./backup_label'",
    ])
      expect(line).toContain(x);
    expect(shown[3]?.sql).toMatch(/FROM pg_backup_stop\(/);
  });
});
