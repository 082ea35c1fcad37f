import { type NodeConfig, nodeSchema } from '@walboard/shared/config';
import { type OperationRequestOf, operationRequestSchema } from '@walboard/shared/operations';
import { describe, expect, it } from 'vitest';
import { capabilitiesFor } from '../../postgres/capabilities.ts';
import type { ControlData } from '../../postgres/control-data.ts';
import { parseHistory } from '../../postgres/timeline-history.ts';
import { PlanRefusal } from '../plan-types.ts';
import {
  divergenceOf,
  planRejoin,
  type RejoinFacts,
  rewindArgv,
  runningRefusal,
  streamingCheckStep,
} from './rejoin.ts';

function node(name: string, host: string, major = 15): NodeConfig {
  return nodeSchema.parse({
    name,
    host,
    ssh: { user: 'postgres', privateKeyPath: '/etc/walboard/id_ed25519' },
    postgres: {
      binDir: `/usr/lib/postgresql/${major}/bin`,
      dataDir: `/var/lib/postgresql/${major}/main`,
    },
    archiveDir: '/var/lib/postgresql/wal_archive',
  }) as NodeConfig;
}

const req = (over: object = {}) =>
  operationRequestSchema.parse({
    type: 'rejoin',
    node: 'db1',
    dryRun: true,
    params: { primary: 'db2', ...over },
  }) as OperationRequestOf<'rejoin'>;

/** db2 was promoted at 0/5000108 from timeline 1 to 2. */
const HISTORY = parseHistory('1\t0/5000108\tno recovery target specified\n');

const control = (over: Partial<ControlData> = {}): ControlData => ({
  systemId: '7715715936311864566',
  state: 'shut down',
  checkpointLsn: '0/50000A0',
  redoLsn: '0/50000A0',
  timeline: 1,
  complete: true,
  minRecoveryLsn: null,
  walLogHints: true,
  checksumVersion: 0,
  ...over,
});

const HBA = 'local all all peer\nhost replication replicator 10.0.0.2/32 scram-sha-256\n';

function facts(over: Partial<RejoinFacts> = {}): RejoinFacts {
  const caps = capabilitiesFor(150010);
  return {
    node: node('db1', '10.0.0.1'),
    primary: node('db2', '10.0.0.2'),
    nodeAddress: '10.0.0.1',
    primaryAddress: '10.0.0.2',
    server: { running: false, caps, inRecovery: null, queryError: null },
    caps,
    primaryCaps: caps,
    sameSystem: true,
    control: control(),
    controlError: null,
    newTimeline: 2,
    history: HISTORY,
    pgControldata: '/usr/lib/postgresql/15/bin/pg_controldata',
    pgRewind: '/usr/lib/postgresql/15/bin/pg_rewind',
    pgpassReady: false,
    passfilePath: '/var/lib/postgresql/.pgpass',
    pgpass: null,
    primaryPassfilePath: '/var/lib/postgresql/.pgpass',
    primaryKnowsPassword: true,
    hbaPath: '/var/lib/postgresql/15/main/pg_hba.conf',
    hba: { text: HBA, mode: 0o600 },
    archiveDirExists: true,
    restoreCommandSet: false,
    standbyPlan: { refusal: 'db1 has no password for replicator@10.0.0.2:5432' },
    ...over,
  };
}

const env = { cluster: 'lab', now: new Date('2026-12-05T07:30:00Z') };
const titles = (f: RejoinFacts, r = req()) => planRejoin(f, r, env).steps.map((s) => s.shown.title);
const refusal = (f: RejoinFacts, r = req()): string => {
  try {
    planRejoin(f, r, env);
  } catch (err) {
    if (err instanceof PlanRefusal) return `${err.node}: ${err.message}`;
    throw err;
  }
  throw new Error('not refused');
};

describe('divergenceOf: the old primary against the fork point of the new timeline', () => {
  it('a clean shutdown checkpoint before the fork point: no rewind', () => {
    expect(divergenceOf(control(), HISTORY, 2)).toMatchObject({ kind: 'clean', forkLsn: '0/5000108' });
  });

  it('a checkpoint at or past the fork point (writes the new primary never got): diverged', () => {
    expect(divergenceOf(control({ checkpointLsn: '0/5000108' }), HISTORY, 2).kind).toBe('diverged');
    const d = divergenceOf(control({ checkpointLsn: '0/6000028' }), HISTORY, 2);
    expect(d).toMatchObject({ kind: 'diverged', forkLsn: '0/5000108' });
    expect(d.why).toMatch(/reaches 0\/6000028, at or past the fork point 0\/5000108 of timeline 2/);
  });

  it('a standby stopped with its minimum recovery point past the fork: diverged', () => {
    const c = control({ state: 'shut down in recovery', minRecoveryLsn: '0/5100000' });
    expect(divergenceOf(c, HISTORY, 2).kind).toBe('diverged');
  });

  it('a standby stopped in recovery, read from global/pg_control only: unknown (its replay point is not there)', () => {
    const c = control({
      state: 'shut down in recovery',
      complete: false,
      walLogHints: null,
      checksumVersion: null,
    });
    expect(divergenceOf(c, HISTORY, 2).kind).toBe('unknown');
  });

  it('a crash (no clean stop) or no control data: unknown, pg_rewind decides', () => {
    expect(divergenceOf(control({ state: 'in production' }), HISTORY, 2).kind).toBe('unknown');
    expect(divergenceOf(null, HISTORY, 2).kind).toBe('unknown');
  });

  it('a timeline the new history never passed through: unrelated', () => {
    expect(divergenceOf(control({ timeline: 5 }), HISTORY, 2).kind).toBe('unrelated');
  });

  it('three promotions deep: the fork of the old primary’s own timeline counts', () => {
    const h = parseHistory('1\t0/3000000\tx\n2\t0/7000000\ty\n');
    expect(divergenceOf(control({ timeline: 2, checkpointLsn: '0/6000000' }), h, 3).kind).toBe('clean');
    expect(divergenceOf(control({ timeline: 1, checkpointLsn: '0/3000000' }), h, 3).kind).toBe('diverged');
  });
});

describe('runningRefusal: never while the old primary runs', () => {
  it('a primary that accepts writes: refused, saying to stop it or fence it by a promotion', () => {
    expect(runningRefusal('db1', 'db2', { running: true, inRecovery: false })).toMatch(
      /^db1 runs as a primary and accepts writes: .*Stop it first \(operation stop, fast mode\).*promote db2 with a fence/,
    );
  });
  it('a running standby is refused too; a stopped node is not', () => {
    expect(runningRefusal('db1', 'db2', { running: true, inRecovery: true })).toMatch(
      /db1 is running \(in recovery\): rejoin works on a stopped server/,
    );
    expect(runningRefusal('db1', 'db2', { running: false, inRecovery: null })).toBeNull();
  });
});

describe('planRejoin', () => {
  it('clean case: no rewind; password copied, pg_hba line for db1 on db2, standby settings, start, streaming check', () => {
    const t = titles(facts());
    expect(t).toEqual([
      'db1 is stopped; nothing past the fork point: no rewind needed',
      'Give db1 the password of replicator for db2 in /var/lib/postgresql/.pgpass (mode 0600)',
      'Let replicator connect for replication from db1 in /var/lib/postgresql/15/main/pg_hba.conf (original kept as /var/lib/postgresql/15/main/pg_hba.conf.walboard-20261205T073000000Z.bak)',
      "Reload db2's configuration (pg_hba.conf)",
      'Standby settings for db1 (planned when reached, after the steps above)',
      'Start db1 as a standby of db2',
      'Check that db1 streams from db2 (60 s at most)',
    ]);
    const p = planRejoin(facts(), req(), env);
    expect(p.divergence.kind).toBe('clean');
    expect(p.steps.some((s) => (s.shown.argv ?? []).some((a) => a.includes('pg_rewind')))).toBe(false);
    // configure-standby is planned again when the runner reaches it (after the password is there).
    expect(p.specs.map((s) => s.id)).toEqual(['prepare', 'configure-standby']);
    expect(p.specs[1]?.request).toMatchObject({
      type: 'configure-standby',
      node: 'db1',
      params: { primary: 'db2' },
    });
    // The password never shows: the diff masks it.
    const pass = p.steps[1]?.shown.file?.diff ?? '';
    expect(pass).toMatch(/10\.0\.0\.2:5432:replication:replicator:\*+/);
  });

  it('diverged case: GRANT on db2, pg_rewind on db1 with the password only in a 0600 file, settings planned after it', () => {
    const f = facts({ control: control({ checkpointLsn: '0/6000028' }), restoreCommandSet: true });
    const p = planRejoin(f, req(), env);
    expect(p.divergence.kind).toBe('diverged');
    const t = p.steps.map((s) => s.shown.title);
    expect(t[0]).toBe('db1 is stopped; its history went its own way: rewind needed');
    expect(t).toContain("Let replicator read db2's files for pg_rewind (EXECUTE on 4 functions)");
    const hba = p.steps.find((s) => s.shown.kind === 'file' && s.shown.node === 'db2');
    expect(hba?.shown.file?.diff).toMatch(/\+host postgres replicator 10\.0\.0\.1\/32 scram-sha-256/);
    expect(hba?.shown.file?.diff).toMatch(/\+host replication replicator 10\.0\.0\.1\/32 scram-sha-256/);
    const rw = p.steps.find((s) => s.shown.title.startsWith('Rewind db1'));
    expect(rw?.shown.argv).toEqual([
      'env',
      'PGPASSFILE=/var/lib/postgresql/.pgpass.walboard-rewind',
      'LC_ALL=C',
      '/usr/lib/postgresql/15/bin/pg_rewind',
      '--target-pgdata',
      '/var/lib/postgresql/15/main',
      '--source-server',
      "host='10.0.0.2' port='5432' user='replicator' dbname='postgres' application_name='db1-rewind'",
      '--restore-target-wal',
      '--progress',
    ]);
    expect(JSON.stringify(rw?.shown)).not.toMatch(/password=/);
    // Order: rewind, then the standby settings (planned again), start, check.
    const idx = (s: string) => t.findIndex((x) => x.startsWith(s));
    expect(idx('Rewind db1')).toBeLessThan(idx('Standby settings for db1'));
    expect(p.phases.find((x) => x.id === 'configure-standby')?.final).toBe(false);
    expect(p.notes.join(' ')).toMatch(/wal_log_hints = on or data checksums/);
  });

  it('no --restore-target-wal without a restore_command of its own, and none before 13', () => {
    const f = facts({ control: control({ checkpointLsn: '0/6000028' }) });
    expect(rewindArgv(f, 'replicator')).not.toContain('--restore-target-wal');
    const p = planRejoin(f, req(), env);
    expect(p.notes.join(' ')).toMatch(/without --restore-target-wal/);
    const c12 = capabilitiesFor(120010);
    expect(
      rewindArgv(facts({ caps: c12, primaryCaps: c12, restoreCommandSet: true }), 'replicator'),
    ).not.toContain('--restore-target-wal');
  });

  it('refuses a rewind without wal_log_hints and data checksums, explaining why and offering base-backup', () => {
    const f = facts({
      control: control({ checkpointLsn: '0/6000028', walLogHints: false, checksumVersion: 0 }),
    });
    expect(refusal(f)).toMatch(
      /^db1: db1 has diverged from db2 .*wal_log_hints = on or data checksums.*\(wal_log_hints off, data checksum version 0\)\. Make db1 a fresh copy of db2 instead \(operation base-backup on db1 from db2/,
    );
    // Checksums alone are enough.
    expect(() =>
      planRejoin(
        { ...f, control: control({ checkpointLsn: '0/6000028', walLogHints: false, checksumVersion: 1 }) },
        req(),
        env,
      ),
    ).not.toThrow();
  });

  it('refuses when a rewind is needed and there is no pg_rewind of that version (PostgreSQL 18 from npm on Debian 12)', () => {
    const c18 = capabilitiesFor(180001);
    const f = facts({
      caps: c18,
      primaryCaps: c18,
      control: null,
      controlError: 'there is no pg_controldata for PostgreSQL 18 on db1',
      pgControldata: null,
      pgRewind: null,
    });
    expect(refusal(f)).toMatch(
      /^db1: db1 needs pg_rewind \(its control data could not be read\), but there is no pg_rewind for PostgreSQL 18 on db1 .*nor can walboard read its control data \(there is no pg_controldata for PostgreSQL 18 on db1\).*base-backup on db1 from db2/,
    );
  });

  it('PostgreSQL 18 with only global/pg_control read (hints unknown): a clean case plans; a diverged one is refused for want of pg_rewind', () => {
    const c18 = capabilitiesFor(180001);
    const fileOnly = control({ complete: false, walLogHints: null, checksumVersion: null });
    const base = { caps: c18, primaryCaps: c18, pgControldata: null, pgRewind: null };
    const p = planRejoin(facts({ ...base, control: fileOnly }), req(), env);
    expect(p.divergence.kind).toBe('clean');
    expect(p.steps[0]?.shown.detail).toMatch(/wal_log_hints and data checksums unknown/);
    expect(refusal(facts({ ...base, control: { ...fileOnly, checkpointLsn: '0/6000028' } }))).toMatch(
      /^db1: db1 needs pg_rewind \(its WAL on timeline 1 reaches 0\/6000028.*no pg_rewind for PostgreSQL 18 on db1.*base-backup on db1 from db2/,
    );
  });

  it('a clean case needs no pg_rewind at all', () => {
    expect(() => planRejoin(facts({ pgRewind: null }), req(), env)).not.toThrow();
  });

  it('refuses another cluster, a never-promoted primary, an unrelated timeline', () => {
    expect(refusal(facts({ sameSystem: false }))).toMatch(/database system identifiers differ.*base-backup/);
    expect(refusal(facts({ history: null, newTimeline: 1 }))).toMatch(
      /^db2: db2 is on timeline 1 and has no timeline history file: it was never promoted/,
    );
    expect(refusal(facts({ control: control({ timeline: 7 }) }))).toMatch(
      /never passed through timeline 7.*base-backup/,
    );
  });

  it('refuses when no password can be found for the replication user', () => {
    expect(refusal(facts({ primaryKnowsPassword: false }))).toMatch(
      /db1 has no password for replicator@10\.0\.0\.2:5432 .*run configure-primary on db2 with db1 listed/,
    );
    // db1 already has its own: the clean case goes on without copying.
    const t = titles(facts({ primaryKnowsPassword: false, pgpassReady: true }));
    expect(t.some((x) => x.startsWith('Give db1'))).toBe(false);
  });

  it('creates a missing archive directory, and leaves pg_hba.conf alone when it already lets db1 in', () => {
    const hba = `${HBA}host replication replicator 10.0.0.1/32 scram-sha-256\n`;
    const t = titles(facts({ archiveDirExists: false, hba: { text: hba, mode: 0o600 }, pgpassReady: true }));
    expect(t).toContain("Create db1's WAL archive directory /var/lib/postgresql/wal_archive");
    expect(t.some((x) => x.includes('pg_hba.conf'))).toBe(false);
  });

  it('refuses replication from db1 rejected by an existing pg_hba.conf line', () => {
    const hba = 'host replication replicator 10.0.0.1/32 reject\n';
    expect(refusal(facts({ hba: { text: hba, mode: 0o600 } }))).toMatch(/^db2: .*line 1 rejects replication/);
  });
});

describe('streamingCheckStep', () => {
  it('names the node, the primary and the time limit; its query reads pg_stat_wal_receiver', () => {
    const s = streamingCheckStep(node('db1', '10.0.0.1'), node('db2', '10.0.0.2'), capabilitiesFor(150010), {
      waitMs: 30_000,
    });
    expect(s.shown.title).toBe('Check that db1 streams from db2 (30 s at most)');
    expect(s.shown.runs?.[0]?.sql).toMatch(/pg_stat_wal_receiver/);
    expect(s.shown.detail).toMatch(/10\.0\.0\.2:5432/);
    expect(s.shown.runs?.[0]?.sql).toMatch(/sender_host, sender_port/);
    // 10 has no sender_host: the conninfo says where it streams from.
    const s10 = streamingCheckStep(node('db1', '10.0.0.1'), node('db2', '10.0.0.2'), capabilitiesFor(100023));
    expect(s10.shown.runs?.[0]?.sql).toMatch(/NULL::text AS sender_host, NULL::int AS sender_port, conninfo/);
  });
});
