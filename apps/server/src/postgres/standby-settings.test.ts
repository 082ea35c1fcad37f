import { describe, expect, it } from 'vitest';
import { capabilitiesFor } from './capabilities.ts';
import { parseConninfo } from './conninfo.ts';
import { substitutePgCommand } from './pg-command.ts';
import { effectiveValue, parseConfigFile, setConfigValues } from './settings-file.ts';
import {
  archiveCleanupCommand,
  restoreCommand,
  type StandbySource,
  standbyConfigFor,
} from './standby-settings.ts';

const SRC: StandbySource = {
  primaryHost: '10.0.0.1',
  primaryPort: 5432,
  user: 'replicator',
  applicationName: 'db2',
  archiveDir: '/var/lib/postgresql/wal_archive',
  archiveCleanupBin: '/usr/lib/postgresql/15/bin/pg_archivecleanup',
  triggerFile: '/var/lib/postgresql/15/main/promote.trigger',
};

/** Writes the values into `before` and reads the file back as the server's parser does. */
function readBack(before: string, values: Record<string, string>): Record<string, string | undefined> {
  const text = setConfigValues(before, values);
  const parsed = parseConfigFile(text);
  expect(parsed.errors).toEqual([]);
  return Object.fromEntries(Object.keys(values).map((k) => [k, effectiveValue(parsed, k)]));
}

describe('restoreCommand / archiveCleanupCommand', () => {
  it('cp -- <archive>/%f %p, trailing slashes dropped', () => {
    expect(restoreCommand('/var/lib/postgresql/wal_archive')).toBe(
      'cp -- /var/lib/postgresql/wal_archive/%f %p',
    );
    expect(restoreCommand('/var/lib/postgresql/wal_archive//')).toBe(
      'cp -- /var/lib/postgresql/wal_archive/%f %p',
    );
    expect(restoreCommand('/srv/50%')).toBe('cp -- /srv/50%%/%f %p');
  });

  it('<bin> -- <archive> %r', () => {
    expect(archiveCleanupCommand('/usr/lib/postgresql/15/bin/pg_archivecleanup', '/srv/wal_archive')).toBe(
      '/usr/lib/postgresql/15/bin/pg_archivecleanup -- /srv/wal_archive %r',
    );
    const odd = archiveCleanupCommand('/opt/pg bin/pg_archivecleanup', '/srv/a%r');
    expect(odd).toBe("'/opt/pg bin/pg_archivecleanup' -- /srv/a%%r %r");
    expect(substitutePgCommand(odd, { r: '000000010000000000000009' })).toBe(
      "'/opt/pg bin/pg_archivecleanup' -- /srv/a%r 000000010000000000000009",
    );
  });
});

describe('standbyConfigFor', () => {
  it('PostgreSQL 10: recovery.conf with standby_mode and trigger_file, no standby.signal', () => {
    const cfg = standbyConfigFor(capabilitiesFor(100023), {
      ...SRC,
      archiveCleanupBin: '/usr/lib/postgresql/10/bin/pg_archivecleanup',
      triggerFile: '/var/lib/postgresql/10/main/promote.trigger',
    });
    expect(cfg).toEqual({
      file: 'recovery.conf',
      signalFile: false,
      values: {
        standby_mode: 'on',
        primary_conninfo: "host='10.0.0.1' port='5432' user='replicator' application_name='db2'",
        restore_command: 'cp -- /var/lib/postgresql/wal_archive/%f %p',
        archive_cleanup_command:
          '/usr/lib/postgresql/10/bin/pg_archivecleanup -- /var/lib/postgresql/wal_archive %r',
        recovery_target_timeline: 'latest',
        trigger_file: '/var/lib/postgresql/10/main/promote.trigger',
      },
    });
  });

  it('PostgreSQL 12: postgresql.auto.conf + standby.signal, promote_trigger_file, no standby_mode', () => {
    const cfg = standbyConfigFor(capabilitiesFor(120000), SRC);
    expect(cfg.file).toBe('postgresql.auto.conf');
    expect(cfg.signalFile).toBe(true);
    expect(cfg.values).toEqual({
      primary_conninfo: "host='10.0.0.1' port='5432' user='replicator' application_name='db2'",
      restore_command: 'cp -- /var/lib/postgresql/wal_archive/%f %p',
      archive_cleanup_command:
        '/usr/lib/postgresql/15/bin/pg_archivecleanup -- /var/lib/postgresql/wal_archive %r',
      recovery_target_timeline: 'latest',
      promote_trigger_file: '/var/lib/postgresql/15/main/promote.trigger',
    });
    expect(cfg.values).not.toHaveProperty('standby_mode');
    expect(cfg.values).not.toHaveProperty('trigger_file');
  });

  it('PostgreSQL 15: as 12, still with promote_trigger_file', () => {
    const cfg = standbyConfigFor(capabilitiesFor(150018), SRC);
    expect([cfg.file, cfg.signalFile, cfg.values.promote_trigger_file]).toEqual([
      'postgresql.auto.conf',
      true,
      SRC.triggerFile,
    ]);
  });

  it('PostgreSQL 16 and 18: no trigger file setting at all (promote_trigger_file was removed)', () => {
    for (const v of [160000, 180004]) {
      const cfg = standbyConfigFor(capabilitiesFor(v), SRC);
      expect(cfg.file).toBe('postgresql.auto.conf');
      expect(cfg.signalFile).toBe(true);
      expect(Object.keys(cfg.values)).toEqual([
        'primary_conninfo',
        'restore_command',
        'archive_cleanup_command',
        'recovery_target_timeline',
      ]);
    }
  });

  it('passfile goes into primary_conninfo and the slot into primary_slot_name, only when given', () => {
    const cfg = standbyConfigFor(capabilitiesFor(150018), {
      ...SRC,
      passfile: '/var/lib/postgresql/.pgpass-walboard',
      slot: 'db2',
    });
    expect(cfg.values.primary_conninfo).toBe(
      "host='10.0.0.1' port='5432' user='replicator' application_name='db2' passfile='/var/lib/postgresql/.pgpass-walboard'",
    );
    expect(cfg.values.primary_slot_name).toBe('db2');
    const plain = standbyConfigFor(capabilitiesFor(150018), SRC);
    expect(plain.values.primary_conninfo).not.toContain('passfile');
    expect(plain.values).not.toHaveProperty('primary_slot_name');
  });

  it('no pg_archivecleanup: archive_cleanup_command is left out', () => {
    const cfg = standbyConfigFor(capabilitiesFor(150018), { ...SRC, archiveCleanupBin: null });
    expect(cfg.values).not.toHaveProperty('archive_cleanup_command');
    expect(cfg.values.restore_command).toBe('cp -- /var/lib/postgresql/wal_archive/%f %p');
  });

  it('never writes a password', () => {
    for (const v of [100023, 120000, 150018, 160000, 180004]) {
      const cfg = standbyConfigFor(capabilitiesFor(v), { ...SRC, passfile: '/p', slot: 's' });
      expect(parseConninfo(cfg.values.primary_conninfo as string).has('password')).toBe(false);
    }
  });
});

describe('what the server reads back', () => {
  const HEADER = '# Do not edit this file manually!\n# It will be overwritten by the ALTER SYSTEM command.\n';

  it('every version: the file parses without errors and each value reads back exactly', () => {
    for (const v of [100023, 120000, 150018, 160000, 180004]) {
      const cfg = standbyConfigFor(capabilitiesFor(v), {
        ...SRC,
        passfile: '/var/lib/postgresql/.pgpass',
        slot: 'db2',
      });
      const before = cfg.file === 'recovery.conf' ? '' : HEADER;
      expect(readBack(before, cfg.values)).toEqual(cfg.values);
    }
  });

  it('primary_conninfo survives both escapings (libpq, then the config file) with hostile values', () => {
    const src: StandbySource = {
      ...SRC,
      primaryHost: "h' password='x",
      user: 'o\\b',
      applicationName: "db2' sslmode='disable",
      passfile: "/tmp/it's \\ here",
      archiveDir: "/srv/a b'c%p",
    };
    const cfg = standbyConfigFor(capabilitiesFor(150018), src);
    const back = readBack(HEADER, cfg.values);
    expect(back).toEqual(cfg.values);
    const conninfo = parseConninfo(back.primary_conninfo as string);
    expect(Object.fromEntries(conninfo)).toEqual({
      host: "h' password='x",
      port: '5432',
      user: 'o\\b',
      application_name: "db2' sslmode='disable",
      passfile: "/tmp/it's \\ here",
    });
    // The archive path reaches the shell intact: PostgreSQL's %-substitution leaves the literal %p.
    expect(substitutePgCommand(back.restore_command as string, { f: 'F', p: 'P' })).toBe(
      "cp -- '/srv/a b'\\''c%p/F' P",
    );
  });

  it('rewriting an existing recovery.conf replaces the old values in place', () => {
    const old =
      "standby_mode = 'on'\nprimary_conninfo = 'host=10.9.9.9 user=old'  # by hand\nrestore_command = 'false'\n";
    const cfg = standbyConfigFor(capabilitiesFor(110022), SRC);
    const text = setConfigValues(old, cfg.values);
    expect(text.split('\n')[1]).toBe(
      "primary_conninfo = 'host=''10.0.0.1'' port=''5432'' user=''replicator'' application_name=''db2'''  # by hand",
    );
    const parsed = parseConfigFile(text);
    expect(parsed.errors).toEqual([]);
    // One assignment per name: nothing older is left to win.
    for (const name of Object.keys(cfg.values))
      expect(parsed.entries.filter((e) => e.name === name)).toHaveLength(1);
  });
});
