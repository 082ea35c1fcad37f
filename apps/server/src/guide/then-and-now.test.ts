import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type NodeConfig, nodeSchema } from '@walboard/shared/config';
import { LAB_STEP_IDS, type ThenAndNow, thenAndNowSchema } from '@walboard/shared/guide';
import { describe, expect, it } from 'vitest';
import { PlanRefusal } from '../operations/plan-types.ts';
import { effectiveValue, parseConfigFile } from '../postgres/settings-file.ts';
import {
  THEN_AND_NOW_TOPICS,
  THEN_AND_NOW_WHY_KEYS,
  type ThenAndNowContext,
  type ThenAndNowTopic,
  thenAndNow,
} from './then-and-now.ts';

function node(name: string, host: string, over: Record<string, unknown> = {}): NodeConfig {
  return nodeSchema.parse({
    name,
    host,
    ssh: { user: 'postgres', privateKeyPath: '/etc/walboard/id_ed25519' },
    postgres: { binDir: '/usr/lib/postgresql/15/bin', dataDir: '/var/lib/postgresql/15/main' },
    archiveDir: '/var/lib/postgresql/wal_archive',
    ...over,
  }) as NodeConfig;
}

const CTX: ThenAndNowContext = {
  primary: node('h1', '10.0.0.1'),
  standby: node('h2', '10.0.0.2'),
  replicationUser: 'replicator',
  primaryHome: '/var/lib/postgresql',
  rsync: { primary: '3.2.7', standby: '3.2.7' },
  archiveCleanupBin: '/usr/lib/postgresql/15/bin/pg_archivecleanup',
};
const DATA = '/var/lib/postgresql/15/main';
const TRIGGER = `${DATA}/promote.trigger`;

const VERSIONS = [90100, 90600, 100023, 110022, 120022, 130023, 140023, 150018, 160014, 170010, 180004];

function cell(t: ThenAndNow, topic: ThenAndNowTopic, side: 'v91' | 'current'): string {
  const row = t.rows.find((r) => r.topic === topic);
  if (!row) throw new Error(`no row ${topic} for ${t.major}`);
  return row[side];
}

/** The value a configuration line sets, read back by the same parser walboard verifies files with. */
function settingValue(line: string, name: string): string | undefined {
  return effectiveValue(parseConfigFile(line), name);
}

describe('then and now: the 9.1 column is what the lab guide configures', () => {
  // Every setting, file and function the guide (reference/lab-guide-wal-streaming-pg91.es.md)
  // names, in its order: §2 postgresql.conf of the primary, the backup, §3 the standby's
  // postgresql.conf and recovery.conf, pg_hba.conf, §6 the trigger file and recovery.done.
  const t = thenAndNow(150018, CTX);
  const v91 = (topic: ThenAndNowTopic) => cell(t, topic, 'v91');

  it('§2 primary: listen_addresses, wal_level = hot_standby, max_wal_senders, checkpoint_segments, wal_keep_segments, archive_mode = on, archive_command with %p and %f, archive_timeout = 60 s', () => {
    expect(settingValue(v91('listen-addresses'), 'listen_addresses')).toContain('10.0.0.1');
    expect(settingValue(v91('wal-level'), 'wal_level')).toBe('hot_standby');
    expect(Number(settingValue(v91('max-wal-senders'), 'max_wal_senders'))).toBeGreaterThanOrEqual(3);
    expect(settingValue(v91('checkpoint-wal'), 'checkpoint_segments')).toBe('8');
    expect(Number(settingValue(v91('wal-keep'), 'wal_keep_segments'))).toBeGreaterThanOrEqual(8);
    expect(settingValue(v91('archive-mode'), 'archive_mode')).toBe('on');
    expect(settingValue(v91('archive-timeout'), 'archive_timeout')).toBe('60s');
    const archive = settingValue(v91('archive-command'), 'archive_command') ?? '';
    expect(archive).toMatch(
      /^o=\$\(rsync .* %p postgres@10\.0\.0\.2:\/var\/lib\/postgresql\/wal_archive\/%f\)/,
    );
  });

  it('§2 base backup: pg_start_backup(label) and pg_stop_backup() from psql; WAL in pg_xlog', () => {
    expect(v91('backup-start')).toBe("SELECT pg_start_backup('walboard lab backup for h2')");
    expect(v91('backup-stop')).toBe('SELECT pg_stop_backup()');
    expect(v91('wal-dir')).toBe(`${DATA}/pg_xlog`);
  });

  it('§3 standby: hot_standby = on, recovery.conf with standby_mode, primary_conninfo, trigger_file, restore_command, archive_cleanup_command', () => {
    expect(settingValue(v91('hot-standby'), 'hot_standby')).toBe('on');
    expect(v91('standby-file')).toBe(`${DATA}/recovery.conf`);
    expect(settingValue(v91('standby-mode'), 'standby_mode')).toBe('on');
    const conninfo = settingValue(v91('primary-conninfo'), 'primary_conninfo');
    expect(conninfo).toBe("host='10.0.0.1' port='5432' user='replicator' application_name='h2'");
    expect(settingValue(v91('trigger-file'), 'trigger_file')).toBe(TRIGGER);
    expect(settingValue(v91('restore-command'), 'restore_command')).toBe(
      'cp -- /var/lib/postgresql/wal_archive/%f %p',
    );
    expect(settingValue(v91('archive-cleanup-command'), 'archive_cleanup_command')).toBe(
      '/usr/lib/postgresql/15/bin/pg_archivecleanup -- /var/lib/postgresql/wal_archive %r',
    );
    // Not in the guide, but 9.1 needs it to follow a promoted primary; walboard writes it.
    expect(settingValue(v91('recovery-target-timeline'), 'recovery_target_timeline')).toBe('latest');
  });

  it('§3 pg_hba.conf: one host replication line for the standby (md5 on 9.1, where the guide used trust)', () => {
    expect(v91('hba-replication')).toBe('host replication replicator 10.0.0.2/32 md5');
  });

  it('§5–6: 9.1 function and column names, the trigger file touched, recovery.done removed', () => {
    expect(v91('switch-wal')).toContain('pg_xlogfile_name(pg_switch_xlog())');
    expect(v91('primary-lsn')).toBe('SELECT pg_current_xlog_location()');
    expect(v91('standby-lsn')).toBe('SELECT pg_last_xlog_receive_location(), pg_last_xlog_replay_location()');
    expect(v91('stat-replication')).toMatch(/^SELECT procpid, .*sent_location, replay_location FROM/);
    expect(v91('ready-log')).toBe('database system is ready to accept read only connections');
    expect(v91('promote')).toBe(`touch -- ${TRIGGER}`);
    expect(v91('recovery-done')).toBe(`rm -- ${DATA}/recovery.done`);
    expect(v91('history-file')).toBe(`${DATA}/pg_xlog/00000002.history`);
  });

  it('names nothing 9.1 does not have (a 9.1 server would refuse these lines)', () => {
    for (const v of VERSIONS) {
      const all = thenAndNow(v, CTX)
        .rows.map((r) => r.v91)
        .join('\n');
      for (const newer of [
        'wal_keep_size',
        'max_wal_size',
        'wal_log_hints',
        'standby.signal',
        'promote_trigger_file',
        'pg_promote',
        'pg_backup_start',
        'pg_wal',
        '_lsn',
        'scram',
        'read-only',
      ]) {
        expect(all, `${v}: ${newer}`).not.toContain(newer);
      }
    }
  });

  it('is the same 9.1 column whatever the node runs', () => {
    const columns = VERSIONS.map((v) =>
      thenAndNow(v, CTX)
        .rows.map((r) => `${r.topic}=${r.v91}`)
        .filter((x) => !x.endsWith('=')),
    );
    for (const c of columns) expect(c).toEqual(columns[0]);
  });
});

describe('then and now: the column for the node follows its version', () => {
  const now = (v: number, topic: ThenAndNowTopic) => cell(thenAndNow(v, CTX), topic, 'current');
  const why = (v: number, topic: ThenAndNowTopic) =>
    thenAndNow(v, CTX).rows.find((r) => r.topic === topic)?.why;

  it('9.1 against itself: every row unchanged but the promotion (walboard runs pg_ctl promote, the guide touches the trigger file)', () => {
    const t = thenAndNow(90124, CTX);
    expect(t.major).toBe('9.1');
    expect(t.rows.filter((r) => r.why !== null || r.v91 !== r.current)).toEqual([
      {
        step: 'promote',
        topic: 'promote',
        v91: `touch -- ${TRIGGER}`,
        current: `/usr/lib/postgresql/15/bin/pg_ctl promote -D ${DATA} -w -t 60`,
        why: 'thenNow.why.pgCtlPromote',
      },
    ]);
  });

  it('wal_level replica from 9.6; max_wal_size from 9.5; wal_log_hints from 9.4', () => {
    expect(settingValue(now(90600, 'wal-level'), 'wal_level')).toBe('replica');
    expect(why(90600, 'wal-level')).toBe('thenNow.why.walLevel');
    expect(settingValue(now(90600, 'checkpoint-wal'), 'max_wal_size')).toBe('384MB');
    expect(why(100023, 'checkpoint-wal')).toBe('thenNow.why.maxWalSize');
    expect(settingValue(now(100023, 'wal-log-hints'), 'wal_log_hints')).toBe('on');
  });

  it('10: pg_wal and the wal/lsn names, non-exclusive backup, scram-sha-256, pg_ctl promote; recovery.conf still', () => {
    expect(now(100023, 'wal-dir')).toBe(`${DATA}/pg_wal`);
    expect(now(100023, 'primary-lsn')).toBe('SELECT pg_current_wal_lsn()');
    expect(now(100023, 'standby-lsn')).toBe('SELECT pg_last_wal_receive_lsn(), pg_last_wal_replay_lsn()');
    expect(now(100023, 'stat-replication')).toMatch(/^SELECT pid, .*sent_lsn, replay_lsn FROM/);
    expect(now(100023, 'switch-wal')).toContain('pg_walfile_name(pg_switch_wal())');
    expect(now(100023, 'backup-start')).toBe(
      "SELECT pg_start_backup('walboard lab backup for h2', true, false)::text AS lsn",
    );
    expect(now(100023, 'backup-stop')).toContain('pg_stop_backup(false, false)');
    expect(why(100023, 'backup-start')).toBe('thenNow.why.backupNonExclusive');
    expect(now(100023, 'hba-replication')).toBe('host replication replicator 10.0.0.2/32 scram-sha-256');
    expect(now(100023, 'promote')).toBe(`/usr/lib/postgresql/15/bin/pg_ctl promote -D ${DATA} -w -t 60`);
    expect(why(100023, 'promote')).toBe('thenNow.why.pgCtlPromote');
    expect(now(100023, 'hot-standby')).toBe('#hot_standby = on');
    expect(why(100023, 'hot-standby')).toBe('thenNow.why.hotStandbyDefault');
    expect(now(100023, 'standby-file')).toBe(`${DATA}/recovery.conf`);
    expect(why(100023, 'standby-file')).toBeNull();
    expect(settingValue(now(100023, 'trigger-file'), 'trigger_file')).toBe(TRIGGER);
    expect(settingValue(now(110022, 'wal-keep'), 'wal_keep_segments')).toBe('32');
    expect(now(110022, 'recovery-done')).toBe(`rm -- ${DATA}/recovery.done`);
  });

  it('12: standby.signal + postgresql.auto.conf, no standby_mode, promote_trigger_file, pg_promote()', () => {
    expect(now(120022, 'standby-file')).toBe(`${DATA}/standby.signal + ${DATA}/postgresql.auto.conf`);
    expect(why(120022, 'standby-file')).toBe('thenNow.why.standbySignal');
    expect(now(120022, 'standby-mode')).toBe('');
    expect(why(120022, 'standby-mode')).toBe('thenNow.why.standbySignal');
    expect(settingValue(now(120022, 'trigger-file'), 'promote_trigger_file')).toBe(TRIGGER);
    expect(why(120022, 'trigger-file')).toBe('thenNow.why.triggerFileRenamed');
    expect(now(120022, 'promote')).toBe('SELECT pg_promote(true, 60) AS promoted');
    expect(why(120022, 'promote')).toBe('thenNow.why.pgPromote');
    expect(now(120022, 'recovery-done')).toBe('');
    expect(why(120022, 'recovery-done')).toBe('thenNow.why.noRecoveryDone');
    // The same lines, now in postgresql.auto.conf: unchanged.
    for (const topic of ['primary-conninfo', 'restore-command', 'recovery-target-timeline'] as const)
      expect(why(120022, topic), topic).toBeNull();
  });

  it('13: wal_keep_size in MB instead of wal_keep_segments', () => {
    expect(settingValue(now(130023, 'wal-keep'), 'wal_keep_size')).toBe('512MB');
    expect(now(130023, 'wal-keep')).not.toContain('wal_keep_segments');
    expect(why(130023, 'wal-keep')).toBe('thenNow.why.walKeepSize');
    expect(why(120022, 'wal-keep')).toBeNull();
  });

  it('15: pg_backup_start/stop (exclusive backups gone), read-only spelled with a hyphen', () => {
    expect(now(150018, 'backup-start')).toBe(
      "SELECT pg_backup_start('walboard lab backup for h2', true)::text AS lsn",
    );
    expect(now(150018, 'backup-stop')).toContain('pg_backup_stop(false)');
    expect(why(150018, 'backup-stop')).toBe('thenNow.why.backupRenamed');
    expect(now(150018, 'ready-log')).toBe('database system is ready to accept read-only connections');
    expect(why(140023, 'ready-log')).toBeNull();
  });

  it('16 and 18: no trigger file at all, pg_promote()', () => {
    for (const v of [160014, 180004]) {
      expect(now(v, 'trigger-file'), String(v)).toBe('');
      expect(why(v, 'trigger-file'), String(v)).toBe('thenNow.why.triggerFileRemoved');
      expect(now(v, 'promote'), String(v)).toBe('SELECT pg_promote(true, 60) AS promoted');
      expect(
        thenAndNow(v, CTX)
          .rows.map((r) => r.current)
          .join('\n'),
      ).not.toContain('trigger');
    }
  });

  it('archive_command and the conninfo come out alike on every version (the plans do not vary them)', () => {
    for (const v of VERSIONS) {
      expect(why(v, 'archive-command'), String(v)).toBeNull();
      expect(why(v, 'primary-conninfo'), String(v)).toBeNull();
      expect(why(v, 'archive-mode'), String(v)).toBeNull();
    }
  });

  it('local nodes: no ssh in archive_command, and listen_addresses left alone (localhost covers 127.0.0.1)', () => {
    const local = (name: string, port: number) =>
      nodeSchema.parse({
        name,
        transport: 'local',
        postgres: { port, binDir: '/usr/lib/postgresql/15/bin', dataDir: `/tmp/lab/${name}` },
        archiveDir: `/tmp/lab/${name}-archive`,
      }) as NodeConfig;
    const t = thenAndNow(150018, {
      ...CTX,
      primary: local('n1', 5433),
      standby: local('n2', 5434),
      primaryHome: null,
    });
    expect(t.rows.find((r) => r.topic === 'listen-addresses')).toBeUndefined();
    expect(cell(t, 'archive-command', 'current')).toContain('%p /tmp/lab/n2-archive/%f');
    expect(cell(t, 'archive-command', 'current')).not.toContain('ssh');
  });

  it('a standby without archiveDir is refused as the plans refuse it', () => {
    const bare = nodeSchema.parse({
      name: 'h3',
      host: '10.0.0.3',
      ssh: { user: 'postgres', privateKeyPath: '/k' },
      postgres: { binDir: '/usr/lib/postgresql/15/bin', dataDir: DATA },
    }) as NodeConfig;
    expect(() => thenAndNow(150018, { ...CTX, standby: bare })).toThrow(PlanRefusal);
  });
});

describe('then and now: rows the page can show', () => {
  const webDir = resolve(dirname(fileURLToPath(import.meta.url)), '../../../web/src/features/then-and-now');
  const catalogs = ['en', 'es'].map(
    (lang) =>
      [
        lang,
        JSON.parse(readFileSync(`${webDir}/messages.${lang}.json`, 'utf8')) as Record<string, string>,
      ] as const,
  );

  it('match the shared schema, in lab step order, every topic and reason from the known lists', () => {
    for (const v of VERSIONS) {
      const t = thenAndNowSchema.parse(thenAndNow(v, CTX));
      const order = t.rows.map((r) => LAB_STEP_IDS.indexOf(r.step));
      expect(order, String(v)).toEqual([...order].sort((a, b) => a - b));
      for (const r of t.rows) {
        expect(THEN_AND_NOW_TOPICS as readonly string[]).toContain(r.topic);
        if (r.why !== null) expect(THEN_AND_NOW_WHY_KEYS as readonly string[]).toContain(r.why);
        expect(r.why === null, `${v} ${r.topic}`).toBe(r.v91 === r.current);
      }
    }
  });

  it('use every reason and every topic on some version (no dead message)', () => {
    const all = VERSIONS.flatMap((v) => thenAndNow(v, CTX).rows);
    expect(new Set(all.map((r) => r.why).filter((w) => w !== null))).toEqual(new Set(THEN_AND_NOW_WHY_KEYS));
    expect(new Set(all.map((r) => r.topic))).toEqual(new Set(THEN_AND_NOW_TOPICS));
  });

  it('every reason and topic the server can send is a message of the web catalog, in English and Spanish', () => {
    for (const [lang, messages] of catalogs) {
      const missing = [
        ...THEN_AND_NOW_WHY_KEYS.filter((k) => !messages[k]),
        ...THEN_AND_NOW_TOPICS.map((t) => `thenNow.topic.${t}`).filter((k) => !messages[k]),
      ];
      expect({ lang, missing }).toEqual({ lang, missing: [] });
    }
  });
});
