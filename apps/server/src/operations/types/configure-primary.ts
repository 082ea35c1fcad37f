import type { NodeConfig } from '@walboard/shared/config';
import type { OperationRequestOf, PlanStep } from '@walboard/shared/operations';
import { hbaAddress, peerAddress, sshTargetOf } from '../../nodes/node-address.ts';
import {
  type ArchiveTarget,
  composeArchiveCommand,
  expandedArchiveCommandBytes,
} from '../../postgres/archive-command.ts';
import type { Capabilities } from '../../postgres/capabilities.ts';
import { buildConninfo } from '../../postgres/conninfo.ts';
import { replicationAccess, withHbaLine } from '../../postgres/hba-file.ts';
import { generatePassword, md5Verifier, scramSha256Verifier } from '../../postgres/password-verifier.ts';
import { pgpassPassword } from '../../postgres/pgpass.ts';
import { effectiveValue, parseConfigFile } from '../../postgres/settings-file.ts';
import { checkArchiveDir } from '../archive-dir.ts';
import type { ClusterReader } from '../cluster-reader.ts';
import { autoConfPath, backupPath, postgresqlConfPath } from '../config-paths.ts';
import { defineOperation, type GatherOptions } from '../operation-module.ts';
import { pgpassEntryStep } from '../pgpass-steps.ts';
import { type ExecStep, type FileSnapshot, PlanRefusal, type StepRuntime } from '../plan-types.ts';
import {
  formatBytes,
  needRunningPrimary,
  otherNodes,
  pgpassOf,
  slotNameFor,
  sshKeyOf,
} from '../replication-common.ts';
import { editTextFile } from '../settings-writer.ts';
import {
  commandStep,
  configFileStep,
  customStep,
  fail,
  ok,
  pgCtlStep,
  sqlStep,
  waitFor,
} from '../step-builders.ts';
import { unifiedDiff } from '../unified-diff.ts';
import { sshProofArgv } from './link-nodes.ts';

/**
 * configure-primary: the lab's "WAL shipping" and "let the standby connect" parts on the primary.
 * Every item is compared with what the server has now, so a second run plans only what is
 * missing (setup-replication resumes this way).
 */

/** Settings whose change needs a restart (postmaster context on every supported version). */
const RESTART_SETTINGS = new Set([
  'listen_addresses',
  'wal_level',
  'max_wal_senders',
  'max_replication_slots',
  'wal_log_hints',
  'archive_mode',
]);
const WAL_KEEP_MB = 512;
const WAL_KEEP_SEGMENTS = 32;

interface StandbyFacts {
  config: NodeConfig;
  address: string;
  archiveDir: string;
  /** null: the directory does not exist yet. */
  archiveEntries: string[] | null;
  parentWritable: boolean;
  home: string;
  pgpass: FileSnapshot | null;
  /** Whether the standby can already log in for replication with what its .pgpass holds. */
  login: 'ok' | 'failed' | 'unchecked';
  loginError: string | null;
  rsync: string | null;
  /** psql on the standby (its binDir, or another installed version), for the login proof. */
  psql: string | null;
}

export interface PrimaryFacts {
  primary: NodeConfig;
  caps: Capabilities;
  address: string;
  /** pg_settings: name → setting (base units) for the names walboard manages. */
  settings: Record<string, string>;
  pendingRestart: string[];
  dataChecksums: boolean;
  confPath: string;
  conf: FileSnapshot;
  auto: FileSnapshot | null;
  hbaPath: string;
  hba: FileSnapshot;
  role: { exists: boolean; login: boolean; replication: boolean };
  slots: string[];
  home: string | null;
  rsync: string | null;
  standbys: StandbyFacts[];
  /** Standbys the primary cannot reach over ssh yet (archive_command would fail): "name: why". */
  sshBroken: string[];
}

const MANAGED = [
  'listen_addresses',
  'wal_level',
  'max_wal_senders',
  'max_replication_slots',
  'wal_keep_size',
  'wal_keep_segments',
  'wal_log_hints',
  'archive_mode',
  'archive_timeout',
  'archive_command',
  'data_checksums',
  'port',
];

/** A replication login from `standby` to the primary as `user`, using its .pgpass (psql, IDENTIFY_SYSTEM). */
export function replicationLoginArgv(
  psql: string,
  host: string,
  port: number,
  user: string,
  passfile?: string,
): string[] {
  const conninfo = buildConninfo([
    ['host', host],
    ['port', port],
    ['user', user],
    ['dbname', 'replication'],
    ['replication', 'true'],
    ['connect_timeout', 10],
    ['passfile', passfile],
  ]);
  return [psql, '-X', '-w', '-At', '-d', conninfo, '-c', 'IDENTIFY_SYSTEM'];
}

/** rsync ≥ 3.2.4 has --fsync. */
export function rsyncHasFsync(v: string | null): boolean {
  if (!v) return false;
  const [a = 0, b = 0, c = 0] = v.split('.').map(Number);
  return a > 3 || (a === 3 && (b > 2 || (b === 2 && c >= 4)));
}

export async function readPrimaryFacts(
  primary: string,
  standbyNames: readonly string[],
  replicationUser: string,
  reader: ClusterReader,
  opts: GatherOptions = {},
): Promise<PrimaryFacts> {
  const p = reader.session(primary).config;
  const others = otherNodes(reader, primary, standbyNames, 'standby');
  const server = await reader.server(primary);
  const caps = needRunningPrimary(primary, server, 'be configured as a primary');
  const [settingRows, hbaRow, roleRows, slotRows] = await Promise.all([
    reader.query<{ name: string; setting: string; pending_restart: boolean | null }>(
      primary,
      `SELECT name, setting, ${caps.versionNum >= 90500 ? 'pending_restart' : 'NULL::boolean AS pending_restart'} FROM pg_settings WHERE name = ANY($1)`,
      [MANAGED],
    ),
    reader.query<{ f: string }>(primary, "SELECT current_setting('hba_file') AS f"),
    reader.query<{ rolcanlogin: boolean; rolreplication: boolean }>(
      primary,
      'SELECT rolcanlogin, rolreplication FROM pg_roles WHERE rolname = $1',
      [replicationUser],
    ),
    caps.hasReplicationSlots
      ? reader.query<{ slot_name: string }>(primary, 'SELECT slot_name FROM pg_replication_slots')
      : Promise.resolve([]),
  ]);
  const settings = Object.fromEntries(settingRows.map((r) => [r.name, r.setting]));
  const confPath = postgresqlConfPath(p);
  const hbaPath = hbaRow[0]?.f ?? `${p.postgres.dataDir}/pg_hba.conf`;
  const [conf, auto, hba] = await Promise.all([
    reader.file(primary, confPath),
    reader.file(primary, autoConfPath(p)),
    reader.file(primary, hbaPath),
  ]);
  if (!conf)
    throw new PlanRefusal(
      primary,
      `${confPath} does not exist on ${primary}: check postgres.configFile / dataDir in walboard.yaml`,
    );
  if (!hba) throw new PlanRefusal(primary, `${hbaPath} (the server's hba_file) cannot be read on ${primary}`);
  const role = roleRows[0];
  const needsSsh = others.some((s) => s.transport === 'ssh' || p.transport === 'ssh');
  const address = peerAddress(p);
  const standbys = await Promise.all(
    others.map(async (s): Promise<StandbyFacts> => {
      const sServer = reader.server(s.name);
      const archiveDir = checkArchiveDir(s, undefined, await reader.pathType(s.name, s.archiveDir ?? ''));
      const parent = archiveDir.replace(/\/+$/, '').replace(/\/[^/]*$/, '') || '/';
      const [entries, parentWritable, home, rsync] = await Promise.all([
        reader.entries(s.name, archiveDir),
        reader.writable(s.name, parent),
        reader.home(s.name),
        reader.rsyncVersion(s.name),
      ]);
      const pgpass = await reader.file(s.name, pgpassOf(s, home));
      const sCaps = (await sServer).caps ?? caps;
      const tools = await reader.tools(s.name, Number(sCaps.major));
      let login: StandbyFacts['login'] = 'unchecked';
      let loginError: string | null = null;
      if (
        role &&
        pgpassPassword(pgpass?.text ?? null, {
          host: address,
          port: p.postgres.port,
          database: 'replication',
          user: replicationUser,
        })
      ) {
        if (tools.psql) {
          const r = await reader.exec(
            s.name,
            replicationLoginArgv(tools.psql, address, p.postgres.port, replicationUser),
          );
          login = r.code === 0 ? 'ok' : 'failed';
          loginError = r.code === 0 ? null : (r.stderr.trim().split('\n').at(-1) ?? '');
        }
      }
      return {
        config: s,
        address: peerAddress(s),
        archiveDir,
        archiveEntries: entries ? entries.map((e) => e.name) : null,
        parentWritable,
        home,
        pgpass,
        login,
        loginError,
        rsync,
        psql: tools.psql,
      };
    }),
  );
  return {
    primary: p,
    caps,
    address,
    settings,
    pendingRestart: settingRows.filter((r) => r.pending_restart).map((r) => r.name),
    dataChecksums: settings.data_checksums === 'on',
    confPath,
    conf,
    auto,
    hbaPath,
    hba,
    role: { exists: !!role, login: role?.rolcanlogin ?? false, replication: role?.rolreplication ?? false },
    slots: slotRows.map((r) => r.slot_name),
    home: needsSsh ? await reader.home(primary) : null,
    sshBroken: needsSsh && !opts.predicting ? await brokenLinks(reader, primary, others) : [],
    rsync: await reader.rsyncVersion(primary),
    standbys,
  };
}

/** Standbys the primary's user cannot ssh to in batch mode (what archive_command needs). */
async function brokenLinks(
  reader: ClusterReader,
  primary: string,
  standbys: readonly NodeConfig[],
): Promise<string[]> {
  const home = await reader.home(primary);
  const out: string[] = [];
  for (const s of standbys) {
    const t = sshTargetOf(s);
    if (!t) continue;
    const r = await reader.exec(primary, sshProofArgv(home, t), 30_000);
    if (r.code !== 0)
      out.push(`${s.name}: ${(r.stderr || r.stdout).trim().split('\n').at(-1) ?? `exit ${r.code}`}`);
  }
  return out;
}

/** The archive_command this primary needs for these standbys. */
export function archiveCommandFor(f: Pick<PrimaryFacts, 'primary' | 'home' | 'rsync' | 'standbys'>): string {
  const targets: ArchiveTarget[] = f.standbys.map((s) => {
    if (s.config.transport === 'local' && f.primary.transport === 'local')
      return { kind: 'local', dir: s.archiveDir };
    const t = sshTargetOf(s.config);
    if (!t || !f.home)
      throw new PlanRefusal(
        s.config.name,
        `${s.config.name} is not reachable over ssh from ${f.primary.name}`,
      );
    return { kind: 'ssh', ...t, dir: s.archiveDir, identityFile: sshKeyOf(f.home) };
  });
  const fsync = rsyncHasFsync(f.rsync) && f.standbys.every((s) => rsyncHasFsync(s.rsync));
  return composeArchiveCommand(targets, { fsync });
}

/** listen_addresses that also covers `address` (kept as it is when it already does). */
function listenCovering(current: string, address: string): string | null {
  const parts = current
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);
  if (parts.includes('*') || parts.includes('0.0.0.0') || parts.includes(address)) return null;
  if (address === '127.0.0.1' && parts.includes('localhost')) return null;
  return [...parts, address].join(', ');
}

interface Wanted {
  /** name → value to write. */
  values: Record<string, string>;
  /** name → the setting as pg_settings will show it (base units), for the check after the restart. */
  expect: Record<string, string>;
}

/** What must change in the server's settings, compared with what it runs with now. */
export function wantedSettings(f: PrimaryFacts, slots: boolean, archiveCommand: string): Wanted {
  const s = f.settings;
  const values: Record<string, string> = {};
  const expect: Record<string, string> = {};
  const set = (name: string, value: string, shown = value) => {
    values[name] = value;
    expect[name] = shown;
  };
  const listen = listenCovering(s.listen_addresses ?? '', f.address);
  if (listen !== null) set('listen_addresses', listen);
  if (s.wal_level === 'minimal' || s.wal_level === 'archive')
    set(
      'wal_level',
      f.caps.walLevelForStandby,
      f.caps.walLevelForStandby === 'hot_standby' ? 'hot_standby' : 'replica',
    );
  // pg_basebackup -X stream takes two senders while it copies.
  const senders = f.standbys.length + 2;
  if (Number(s.max_wal_senders ?? 0) < senders) set('max_wal_senders', String(Math.max(10, senders)));
  if (slots && f.caps.hasReplicationSlots && Number(s.max_replication_slots ?? 0) < f.standbys.length + 1)
    set('max_replication_slots', String(Math.max(10, f.standbys.length + 1)));
  if (f.caps.walKeepSetting.name === 'wal_keep_size') {
    if (Number(s.wal_keep_size ?? 0) < WAL_KEEP_MB)
      set('wal_keep_size', `${WAL_KEEP_MB}MB`, String(WAL_KEEP_MB));
  } else if (Number(s.wal_keep_segments ?? 0) < WAL_KEEP_SEGMENTS)
    set('wal_keep_segments', String(WAL_KEEP_SEGMENTS));
  if (f.caps.hasWalLogHints && !f.dataChecksums && s.wal_log_hints !== 'on') set('wal_log_hints', 'on');
  if (s.archive_mode !== 'on' && s.archive_mode !== 'always') set('archive_mode', 'on');
  if (Number(s.archive_timeout ?? 0) === 0) set('archive_timeout', '60s', '60');
  if (s.archive_command !== archiveCommand) set('archive_command', archiveCommand);
  return { values, expect };
}

/** The pg_hba.conf line that lets `user` replicate from `address`, with the version's password method. */
export function replicationHbaLine(caps: Capabilities, user: string, address: string): string {
  return `host replication ${user} ${hbaAddress(address)} ${caps.passwordAuth}`;
}

function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

const PASSWORD_KEY = 'replication-password';

function planRole(
  f: PrimaryFacts,
  user: string,
  needPassword: boolean,
  extra: Partial<PlanStep>,
): ExecStep[] {
  const p = f.primary.name;
  const attrs = 'LOGIN REPLICATION';
  const verb = f.role.exists ? 'ALTER' : 'CREATE';
  if (f.role.exists && f.role.login && f.role.replication && !needPassword) return [];
  if (!needPassword)
    return [
      sqlStep(
        p,
        `Let role ${user} log in and replicate`,
        `ALTER ROLE ${quoteIdent(user)} WITH ${attrs}`,
        [],
        extra,
      ),
    ];
  const kind = f.caps.passwordAuth === 'scram-sha-256' ? 'SCRAM-SHA-256' : 'md5';
  const shownSql = `${verb} ROLE ${quoteIdent(user)} WITH ${attrs} PASSWORD '<${kind} verifier of a new random password>'`;
  return [
    customStep(
      {
        node: p,
        kind: 'sql',
        title: `${f.role.exists ? 'Give role' : 'Create role'} ${user} (${attrs}) a new random password`,
        sql: shownSql,
        sqlParams: [],
        detail: `walboard makes a 32-character password when this step runs and sends PostgreSQL only its ${kind} verifier (as psql's \\password does): the password itself is never in a statement, a log, the audit or this page. The next steps write it to each standby's password file (~/.pgpass, or postgres.passfile; mode 0600).`,
        ...extra,
      },
      async (rt) => {
        const password = generatePassword();
        const verifier = kind === 'md5' ? md5Verifier(password, user) : scramSha256Verifier(password);
        await rt.session(p).query(`${verb} ROLE ${quoteIdent(user)} WITH ${attrs} PASSWORD '${verifier}'`);
        rt.shared.set(PASSWORD_KEY, password);
        return ok(
          `role ${user} ${f.role.exists ? 'updated' : 'created'} with a new password (${kind} verifier stored by the server)`,
        );
      },
    ),
  ];
}

function planPgpass(
  f: PrimaryFacts,
  s: StandbyFacts,
  user: string,
  now: Date,
  extra: Partial<PlanStep>,
): ExecStep {
  const path = pgpassOf(s.config, s.home);
  return pgpassEntryStep({
    node: s.config.name,
    path,
    current: s.pgpass,
    key: { host: f.address, port: f.primary.postgres.port, database: 'replication', user },
    now,
    title: `Give ${s.config.name} the password of ${user} in ${path} (mode 0600)`,
    detail:
      'Passwords are shown as ********. libpq reads this file for the standby (streaming, pg_basebackup): the password is never in a command line or an environment variable.',
    extra,
    password: async (rt) => {
      const password = rt.shared.get(PASSWORD_KEY);
      if (typeof password !== 'string')
        return fail('the new password of the role is not known (the step that sets it did not run)');
      return password;
    },
  });
}

function planHba(
  f: PrimaryFacts,
  user: string,
  cluster: string,
  now: Date,
  extra: Partial<PlanStep>,
): { steps: ExecStep[]; notes: string[] } {
  let text = f.hba.text;
  const added: string[] = [];
  const notes: string[] = [];
  for (const s of f.standbys) {
    const access = replicationAccess(text, user, s.address);
    if (access.allowed) {
      notes.push(
        `${f.hbaPath} line ${access.rule?.line} already lets ${user} replicate from ${s.config.name} (${s.address}, ${access.rule?.method}).`,
      );
      continue;
    }
    if (access.sure && access.rule?.method === 'reject')
      throw new PlanRefusal(
        f.primary.name,
        `${f.hbaPath} line ${access.rule.line} rejects replication connections of ${user} from ${s.config.name} (${s.address}) before any other rule: walboard does not override a reject someone wrote; remove or narrow that line, then plan again`,
      );
    const line = replicationHbaLine(f.caps, user, s.address);
    const next = withHbaLine(
      text,
      line,
      `walboard (${cluster}): ${s.config.name} streams WAL from ${f.primary.name}`,
      user,
      s.address,
    );
    if (next.changed) added.push(s.config.name);
    text = next.text;
  }
  if (added.length === 0) return { steps: [], notes };
  const p = f.primary.name;
  const backup = backupPath(f.hbaPath, now);
  const step = customStep(
    {
      node: p,
      kind: 'file',
      title: `Let ${added.join(', ')} connect for replication in ${f.hbaPath} (original kept as ${backup})`,
      file: { path: f.hbaPath, backup, diff: unifiedDiff(f.hbaPath, f.hba.text, text) },
      detail: f.caps.hasHbaFileRules
        ? 'After writing, pg_hba_file_rules must show no error; otherwise the original is put back.'
        : 'Read back after writing (this version has no pg_hba_file_rules).',
      ...extra,
    },
    async (rt) => {
      const t = rt.session(p).transport;
      const log = await editTextFile(t, f.hbaPath, (cur) => ({ text, changed: cur !== text }), {
        backup: () => backup,
        mode: 0o600,
      });
      if (f.caps.hasHbaFileRules) {
        const errors = await rt
          .session(p)
          .query<{ line_number: number; error: string }>(
            'SELECT line_number, error FROM pg_hba_file_rules WHERE error IS NOT NULL',
          );
        if (errors.length > 0) {
          await t.writeFileAtomic(f.hbaPath, f.hba.text, f.hba.mode);
          const why = errors.map((e) => `line ${e.line_number}: ${e.error}`).join('; ');
          return fail(`the server would not accept ${f.hbaPath} (${why}): the original was put back`);
        }
      }
      return ok(
        [...(log ?? []), f.caps.hasHbaFileRules ? 'pg_hba_file_rules: no errors' : '']
          .filter(Boolean)
          .join('\n'),
      );
    },
  );
  return { steps: [step], notes };
}

/** After the restart/reload: the server runs with every value walboard wrote. */
function checkSettingsStep(p: string, expect: Record<string, string>, extra: Partial<PlanStep>): ExecStep {
  const names = Object.keys(expect);
  const sql = 'SELECT name, setting FROM pg_settings WHERE name = ANY($1) ORDER BY name';
  return customStep(
    {
      node: p,
      kind: 'check',
      title: `Check that ${p} now runs with the new settings`,
      runs: [{ node: p, sql }],
      ...extra,
    },
    async (rt) => {
      // pg_reload_conf() only signals the postmaster, which re-reads the files and then signals
      // each backend: the session asking may still hold the old values for a few milliseconds.
      const until = Date.now() + 3_000;
      let got: Record<string, string> = {};
      let wrong: string[] = names;
      for (;;) {
        const rows = await rt.session(p).query<{ name: string; setting: string }>(sql, [names]);
        got = Object.fromEntries(rows.map((r) => [r.name, r.setting]));
        wrong = names.filter((n) => got[n] !== expect[n]);
        if (wrong.length === 0 || Date.now() > until) break;
        await new Promise((r) => setTimeout(r, 25));
      }
      const lines = names.map((n) => `${n} = ${got[n] ?? '(missing)'}`);
      if (wrong.length > 0)
        return fail(
          `${p} runs with other values than written for ${wrong.join(', ')}: another file (an include, or postgresql.auto.conf) may set them`,
          lines.join('\n'),
        );
      return ok(lines.join('\n'));
    },
  );
}

/** Switches to a new WAL segment and waits until every standby's archive directory holds it. */
export function proveArchivingStep(f: PrimaryFacts, extra: Partial<PlanStep>): ExecStep {
  const p = f.primary.name;
  const fn = f.caps.fn;
  const switchSql = `SELECT ${fn.currentXactId}()::text AS x, ${fn.walfileName}(${fn.switchWal}()) AS segment`;
  const archiverSql =
    'SELECT archived_count, last_archived_wal, failed_count, last_failed_wal FROM pg_stat_archiver';
  return customStep(
    {
      node: p,
      kind: 'check',
      title: `Prove WAL shipping: close the current WAL segment on ${p} and wait until ${f.standbys.map((s) => s.config.name).join(', ')} ${f.standbys.length === 1 ? 'has' : 'have'} it`,
      runs: [
        { node: p, sql: switchSql },
        { node: p, sql: archiverSql },
        ...f.standbys.map((s) => ({ node: s.config.name, argv: ['ls', '--', s.archiveDir] })),
      ],
      detail:
        'A transaction id is taken first so that the segment has something in it to close; then pg_stat_archiver is read every 200 ms (60 s at most). One failed attempt is allowed: the archiver may have begun it with the previous archive_command, before it read the reload; it tries again a second later.',
      ...extra,
    },
    async (rt) => {
      const s = rt.session(p);
      const before = (await s.query<{ failed_count: string }>(archiverSql))[0];
      const [row] = await s.query<{ segment: string }>(switchSql);
      const segment = row?.segment ?? '';
      rt.out(`closed segment ${segment}; waiting for the archiver`);
      const done = await waitFor(
        async () => {
          const a = (
            await s.query<{
              last_archived_wal: string | null;
              failed_count: string;
              last_failed_wal: string | null;
            }>(archiverSql)
          )[0];
          if (a?.last_archived_wal && a.last_archived_wal >= segment) return { ok: true as const, a };
          // One failure may still be the old archive_command: an attempt the archiver began
          // before it read the reload. It retries a second later with the new one; a second
          // failure is the new command's own.
          if (a && Number(a.failed_count) >= Number(before?.failed_count ?? 0) + 2)
            return { ok: false as const, a };
          return null;
        },
        60_000,
        200,
        rt.signal,
      );
      if (!done)
        return fail(`${segment} was not archived within 60 s: see ${p}'s log for the archiver's messages`);
      if (!done.ok)
        return fail(
          `the archiver failed on ${done.a.last_failed_wal}: archive_command exited with an error; ${p}'s log shows its output (ssh, rsync or the archive directory)`,
        );
      const lines = [`archived: ${segment}`];
      for (const st of f.standbys) {
        const entries = await rt.session(st.config.name).transport.list(st.archiveDir);
        const e = entries.find((x) => x.name === segment);
        if (!e)
          return fail(
            `${segment} is not in ${st.archiveDir} on ${st.config.name} although the archiver reported it`,
          );
        lines.push(`${st.config.name}:${st.archiveDir}/${segment} (${formatBytes(e.size)})`);
      }
      return ok(lines.join('\n'));
    },
    90_000,
  );
}

/** How an operation that composes configure-primary's steps (ship-wal) differs from it. */
export interface ComposedPrimaryOptions {
  /**
   * The standbys' archive directories hold WAL of this same cluster (shipped by the old primary
   * before a promotion): kept, not refused as possibly another server's.
   */
  archivesOfThisCluster?: boolean;
  /**
   * Every standby gets the role's existing password by earlier steps of the composing operation:
   * the password is not regenerated (so that no other node is left with a stale one).
   */
  passwordKnown?: boolean;
}

/** The steps of configure-primary (also setup-replication's third phase). */
export function planConfigurePrimary(
  f: PrimaryFacts,
  req: { standbys: readonly string[]; slots: boolean; replicationUser: string },
  env: { cluster: string; now: Date },
  extra: Partial<PlanStep> = {},
  opts: ComposedPrimaryOptions = {},
): { steps: ExecStep[]; notes: string[] } {
  const p = f.primary.name;
  const user = req.replicationUser;
  const steps: ExecStep[] = [];
  const notes: string[] = [];
  if (f.sshBroken.length > 0)
    throw new PlanRefusal(
      p,
      `${p} cannot reach ${f.sshBroken.map((x) => x.split(':')[0]).join(', ')} over ssh without a password (${f.sshBroken.join('; ')}): archive_command would fail on every segment; run link-nodes first`,
    );
  const archiveCommand = archiveCommandFor(f);
  const maxBytes = f.caps.archiveCommandMaxBytes;
  const bytes = expandedArchiveCommandBytes(archiveCommand, f.caps.walDir);
  if (maxBytes !== null && bytes > maxBytes)
    throw new PlanRefusal(
      p,
      `the archive_command for ${f.standbys.map((s) => s.config.name).join(', ')} would be ${bytes} bytes on ${p}, and PostgreSQL ${f.caps.major} cuts archive_command at ${maxBytes} bytes (it would run a truncated line): list fewer standbys here, or shorten the standbys' archiveDir paths, user names and host names, or the home directory of ${p}'s user, which holds its ssh key`,
    );
  const shipping = f.settings.archive_command === archiveCommand;
  for (const s of f.standbys) {
    const n = s.config.name;
    if (s.archiveEntries === null) {
      if (!s.parentWritable)
        throw new PlanRefusal(
          n,
          `the parent folder of ${s.archiveDir} on ${n} is not writable by the node user: create ${s.archiveDir} yourself (owned by that user), or choose another archiveDir`,
        );
      steps.push(
        commandStep(
          n,
          `Create the WAL archive directory ${s.archiveDir} on ${n} (only its owner may use it)`,
          ['mkdir', '-p', '-m', '700', '--', s.archiveDir],
          30_000,
          extra,
        ),
      );
    } else if (s.archiveEntries.length > 0 && !shipping && opts.archivesOfThisCluster) {
      notes.push(
        `${s.archiveDir} on ${n} keeps its ${s.archiveEntries.length} files: WAL of this cluster from before the promotion, which ${n} may still need to catch up.`,
      );
    } else if (s.archiveEntries.length > 0 && !shipping) {
      const sample = s.archiveEntries.slice(0, 3).join(', ');
      throw new PlanRefusal(
        n,
        `the archive directory ${s.archiveDir} on ${n} is not empty (${s.archiveEntries.length} entries: ${sample}${s.archiveEntries.length > 3 ? ', …' : ''}): it may hold another server's WAL, and mixing the two breaks recovery; empty it or choose another archiveDir`,
      );
    } else if (s.archiveEntries.length > 0) {
      notes.push(
        `${s.archiveDir} on ${n} already receives WAL from ${p} (${s.archiveEntries.length} files).`,
      );
    } else {
      steps.push(
        commandStep(
          n,
          `Let only the node user use ${s.archiveDir} on ${n}`,
          ['chmod', '700', '--', s.archiveDir],
          30_000,
          extra,
        ),
      );
    }
  }
  const hba = planHba(f, user, env.cluster, env.now, extra);
  steps.push(...hba.steps);
  notes.push(...hba.notes);
  const needPassword = !f.role.exists || (!opts.passwordKnown && f.standbys.some((s) => s.login !== 'ok'));
  steps.push(...planRole(f, user, needPassword, extra));
  if (needPassword) {
    if (f.role.exists)
      notes.push(
        `The password of ${user} changes: nodes not listed here that connect as ${user} need it too (list them as standbys).`,
      );
    for (const s of f.standbys) steps.push(planPgpass(f, s, user, env.now, extra));
  } else if (!opts.passwordKnown)
    notes.push(
      `${f.standbys.map((s) => s.config.name).join(', ')} already log in as ${user}: its password is kept.`,
    );

  const wanted = wantedSettings(f, req.slots, archiveCommand);
  // A value in postgresql.auto.conf wins over postgresql.conf: write such names there instead.
  const autoParsed = f.auto ? parseConfigFile(f.auto.text) : null;
  const toConf: Record<string, string> = {};
  const toAuto: Record<string, string> = {};
  for (const [name, value] of Object.entries(wanted.values)) {
    if (autoParsed && effectiveValue(autoParsed, name) !== undefined) toAuto[name] = value;
    else toConf[name] = value;
  }
  if (Object.keys(toConf).length > 0)
    steps.push(configFileStep(p, f.confPath, f.conf, toConf, env.now, { extra }));
  if (Object.keys(toAuto).length > 0) {
    steps.push(configFileStep(p, autoConfPath(f.primary), f.auto, toAuto, env.now, { extra }));
    notes.push(
      `${Object.keys(toAuto).join(', ')} ${Object.keys(toAuto).length === 1 ? 'is' : 'are'} set in postgresql.auto.conf (ALTER SYSTEM), which wins: walboard changes ${Object.keys(toAuto).length === 1 ? 'it' : 'them'} there.`,
    );
  }
  const changed = Object.keys(wanted.values);
  const restartFor = [...new Set([...changed.filter((n) => RESTART_SETTINGS.has(n)), ...f.pendingRestart])];
  const pgc = f.primary.postgres;
  const target = {
    binDir: pgc.binDir,
    dataDir: pgc.dataDir,
    logFile: pgc.logFile,
    configFile: pgc.configFile,
  };
  if (restartFor.length > 0) {
    steps.push(
      pgCtlStep(
        p,
        target,
        'restart',
        `Restart ${p} (fast mode) so that ${restartFor.join(', ')} take effect`,
        ['-m', 'fast'],
        {
          ...extra,
          detail: 'Clients are disconnected for the restart; open transactions are rolled back.',
        },
      ),
    );
    notes.push(
      `${p} restarts (fast mode) for ${restartFor.join(', ')}: its clients are disconnected for about a second.`,
    );
  } else if (changed.length > 0 || hba.steps.length > 0) {
    steps.push(
      sqlStep(p, `Reload ${p}'s configuration (pg_reload_conf)`, 'SELECT pg_reload_conf()', [], extra),
    );
  }
  if (req.slots) {
    if (!f.caps.hasReplicationSlots)
      throw new PlanRefusal(p, `PostgreSQL ${f.caps.major} has no replication slots (9.4+): leave slots off`);
    for (const s of f.standbys) {
      const slot = slotNameFor(s.config.name);
      if (f.slots.includes(slot)) notes.push(`Slot ${slot} exists already on ${p}.`);
      else
        steps.push(
          sqlStep(
            p,
            `Create the physical replication slot ${slot} for ${s.config.name}`,
            'SELECT pg_create_physical_replication_slot($1)',
            [slot],
            extra,
          ),
        );
    }
    notes.push(
      "A slot keeps WAL on the primary until its standby has it: a standby that stays away fills the primary's disk (set max_slot_wal_keep_size on 13+ to bound it).",
    );
  }
  if (changed.length > 0) steps.push(checkSettingsStep(p, wanted.expect, extra));
  steps.push(proveArchivingStep(f, extra));
  for (const s of f.standbys) {
    notes.push(
      `Checked at the end: ${s.config.name} logs in for replication with the password in ${pgpassOf(s.config, s.home)}.`,
    );
    steps.push(loginProofStep(f, s, user, extra));
  }
  return { steps, notes };
}

function loginProofStep(f: PrimaryFacts, s: StandbyFacts, user: string, extra: Partial<PlanStep>): ExecStep {
  const n = s.config.name;
  if (!s.psql)
    return customStep(
      {
        node: n,
        kind: 'check',
        title: `Replication login of ${n}: proven when ${n} streams (no psql on ${n})`,
        ...extra,
      },
      async () => ok(`no psql on ${n}: the login is proven when ${n} starts streaming`),
    );
  const argv = replicationLoginArgv(
    s.psql,
    f.address,
    f.primary.postgres.port,
    user,
    s.config.postgres.passfile,
  );
  return customStep(
    {
      node: n,
      kind: 'check',
      title: `Prove that ${n} can log in to ${f.primary.name} for replication as ${user}`,
      runs: [{ node: n, argv }],
      ...extra,
    },
    async (rt: StepRuntime) => {
      const r = await rt.session(n).transport.exec(argv, { timeoutMs: 30_000 });
      const out = [r.stdout.trim(), r.stderr.trim()].filter(Boolean).join('\n');
      return r.code === 0
        ? ok(`IDENTIFY_SYSTEM: ${out}`)
        : fail(`${n} cannot log in for replication: ${out.split('\n').at(-1) ?? ''}`, out);
    },
  );
}

export const configurePrimaryOperation = defineOperation({
  type: 'configure-primary',
  gather: (req: OperationRequestOf<'configure-primary'>, reader, opts) =>
    readPrimaryFacts(req.node, req.params.standbys, req.params.replicationUser, reader, opts),
  plan: (req, facts, env) => {
    const { steps, notes } = planConfigurePrimary(facts, req.params, env);
    return {
      plan: {
        type: req.type,
        cluster: env.cluster,
        node: req.node,
        destructive: true,
        steps: steps.map((s) => s.shown),
        ...(notes.length ? { notes } : {}),
      },
      steps,
      nextAction: `Plan configure-primary on ${req.node} again: what is already done plans to nothing, the rest runs.`,
    };
  },
});
