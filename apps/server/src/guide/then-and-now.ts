import type { NodeConfig } from '@walboard/shared/config';
import type { LabStepId, ThenAndNow, ThenAndNowRow } from '@walboard/shared/guide';
import { peerAddress } from '../nodes/node-address.ts';
import { shellQuote } from '../nodes/shell-quote.ts';
import { checkArchiveDir } from '../operations/archive-dir.ts';
import {
  autoConfPath,
  postgresqlConfPath,
  recoveryConfPath,
  standbySignalPath,
} from '../operations/config-paths.ts';
import { triggerFileOf } from '../operations/replication-common.ts';
import {
  archiveCommandFor,
  type PrimaryFacts,
  proveArchivingStep,
  replicationHbaLine,
  wantedSettings,
} from '../operations/types/configure-primary.ts';
import { ownSettings } from '../operations/types/configure-standby.ts';
import { planPromote } from '../operations/types/promote.ts';
import { type Capabilities, capabilitiesFor } from '../postgres/capabilities.ts';
import { setConfigValues } from '../postgres/settings-file.ts';
import { type StandbyConfig, standbyConfigFor } from '../postgres/standby-settings.ts';

/**
 * "Then and now": each configuration item of the lab as walboard's plans write it for the lab
 * guide's PostgreSQL 9.1 and for the node's version. Both columns come from the plan code itself
 * (wantedSettings, standbyConfigFor, planPromote, …) called with capabilitiesFor(90100) and with
 * the node's Capabilities, over one small set of facts, so the table cannot drift from what Run
 * would write. Shown, never run.
 */

/** What the plans would otherwise read from live nodes (paths and hosts come from walboard.yaml). */
export interface ThenAndNowContext {
  primary: NodeConfig;
  standby: NodeConfig;
  replicationUser: string;
  /** Home of the primary's node user: its ssh key is named in archive_command (ssh nodes only). */
  primaryHome: string | null;
  /** `rsync --version` on each node (--fsync needs 3.2.4 on both ends); null when not installed. */
  rsync: { primary: string | null; standby: string | null };
  /** The standby's pg_archivecleanup; null leaves archive_cleanup_command out, as the plan does. */
  archiveCleanupBin: string | null;
}

/** Every topic a row can have: the page names each one (`thenNow.topic.<topic>`). */
export const THEN_AND_NOW_TOPICS = [
  'listen-addresses',
  'wal-level',
  'max-wal-senders',
  'wal-keep',
  'checkpoint-wal',
  'wal-log-hints',
  'archive-mode',
  'archive-timeout',
  'archive-command',
  'hba-replication',
  'switch-wal',
  'backup-start',
  'backup-stop',
  'wal-dir',
  'hot-standby',
  'standby-file',
  'standby-mode',
  'primary-conninfo',
  'restore-command',
  'archive-cleanup-command',
  'recovery-target-timeline',
  'trigger-file',
  'ready-log',
  'stat-replication',
  'primary-lsn',
  'standby-lsn',
  'promote',
  'recovery-done',
  'history-file',
] as const;
export type ThenAndNowTopic = (typeof THEN_AND_NOW_TOPICS)[number];

/** Every `why` the server can send: each is a message of the web catalog, in both languages. */
export const THEN_AND_NOW_WHY_KEYS = [
  'thenNow.why.walLevel',
  'thenNow.why.walKeepSize',
  'thenNow.why.maxWalSize',
  'thenNow.why.walLogHints',
  'thenNow.why.scram',
  'thenNow.why.walFunctions',
  'thenNow.why.backupNonExclusive',
  'thenNow.why.backupRenamed',
  'thenNow.why.walDir',
  'thenNow.why.hotStandbyDefault',
  'thenNow.why.standbySignal',
  'thenNow.why.triggerFileRenamed',
  'thenNow.why.triggerFileRemoved',
  'thenNow.why.readOnlySpelling',
  'thenNow.why.statReplication',
  'thenNow.why.pgPromote',
  'thenNow.why.pgCtlPromote',
  'thenNow.why.noRecoveryDone',
] as const;
export type ThenAndNowWhy = (typeof THEN_AND_NOW_WHY_KEYS)[number];

/** The lab guide's PostgreSQL: the "then" column. */
const GUIDE_VERSION_NUM = 90100;
/** The guide shows checkpoint_segments = 8 for a lightly loaded server; walboard leaves it at its default. */
const GUIDE_CHECKPOINT_SEGMENTS = 8;
/** The first promotion of the lab starts timeline 2. */
const FIRST_PROMOTION_HISTORY = '00000002.history';

/** One side of the table: every form, as the plans build it for `caps`. */
type Forms = Partial<Record<ThenAndNowTopic, string>>;

interface RowSpec {
  step: LabStepId;
  topic: ThenAndNowTopic;
  /**
   * The reason, chosen from the node's Capabilities; used only when the two forms differ. null:
   * the plans write this item alike on every version (a difference would be a bug, and throws).
   */
  why: ((now: Capabilities) => ThenAndNowWhy) | null;
}

const ROWS: readonly RowSpec[] = [
  { step: 'shipping', topic: 'listen-addresses', why: null },
  { step: 'shipping', topic: 'wal-level', why: () => 'thenNow.why.walLevel' },
  { step: 'shipping', topic: 'max-wal-senders', why: null },
  { step: 'shipping', topic: 'wal-keep', why: () => 'thenNow.why.walKeepSize' },
  { step: 'shipping', topic: 'checkpoint-wal', why: () => 'thenNow.why.maxWalSize' },
  { step: 'shipping', topic: 'wal-log-hints', why: () => 'thenNow.why.walLogHints' },
  { step: 'shipping', topic: 'archive-mode', why: null },
  { step: 'shipping', topic: 'archive-timeout', why: null },
  { step: 'shipping', topic: 'archive-command', why: null },
  { step: 'shipping', topic: 'hba-replication', why: () => 'thenNow.why.scram' },
  { step: 'shipping', topic: 'switch-wal', why: () => 'thenNow.why.walFunctions' },
  {
    step: 'base-backup',
    topic: 'backup-start',
    why: (c) => (c.backup.exclusive ? 'thenNow.why.backupNonExclusive' : 'thenNow.why.backupRenamed'),
  },
  {
    step: 'base-backup',
    topic: 'backup-stop',
    why: (c) => (c.backup.exclusive ? 'thenNow.why.backupNonExclusive' : 'thenNow.why.backupRenamed'),
  },
  { step: 'base-backup', topic: 'wal-dir', why: () => 'thenNow.why.walDir' },
  { step: 'standby-config', topic: 'hot-standby', why: () => 'thenNow.why.hotStandbyDefault' },
  { step: 'standby-config', topic: 'standby-file', why: () => 'thenNow.why.standbySignal' },
  { step: 'standby-config', topic: 'standby-mode', why: () => 'thenNow.why.standbySignal' },
  { step: 'standby-config', topic: 'primary-conninfo', why: null },
  { step: 'standby-config', topic: 'restore-command', why: null },
  { step: 'standby-config', topic: 'archive-cleanup-command', why: null },
  { step: 'standby-config', topic: 'recovery-target-timeline', why: null },
  {
    step: 'standby-config',
    topic: 'trigger-file',
    why: (c) => (c.triggerFileSetting ? 'thenNow.why.triggerFileRenamed' : 'thenNow.why.triggerFileRemoved'),
  },
  { step: 'start', topic: 'ready-log', why: () => 'thenNow.why.readOnlySpelling' },
  { step: 'start', topic: 'stat-replication', why: () => 'thenNow.why.statReplication' },
  { step: 'start', topic: 'primary-lsn', why: () => 'thenNow.why.walFunctions' },
  { step: 'start', topic: 'standby-lsn', why: () => 'thenNow.why.walFunctions' },
  {
    step: 'promote',
    topic: 'promote',
    why: (c) =>
      c.promoteMethods.includes('pg_promote') ? 'thenNow.why.pgPromote' : 'thenNow.why.pgCtlPromote',
  },
  { step: 'after-promotion', topic: 'recovery-done', why: () => 'thenNow.why.noRecoveryDone' },
  { step: 'after-promotion', topic: 'history-file', why: () => 'thenNow.why.walDir' },
];

/** One `name = 'value'` line exactly as walboard writes it into a configuration file. */
function settingLine(name: string, value: string): string {
  return setConfigValues('', { [name]: value }).trimEnd();
}

function sqlLiteral(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

/**
 * pg_settings of a server not yet prepared for replication (9.1's defaults, and archiving off):
 * wantedSettings then names every value it ensures, on every version.
 */
const UNPREPARED: Readonly<Record<string, string>> = {
  listen_addresses: 'localhost',
  wal_level: 'minimal',
  max_wal_senders: '0',
  wal_keep_segments: '0',
  wal_keep_size: '0',
  wal_log_hints: 'off',
  archive_mode: 'off',
  archive_timeout: '0',
  archive_command: '',
};

/** The facts configure-primary reads, for a fresh primary whose only standby is ctx.standby. */
function primaryFacts(caps: Capabilities, ctx: ThenAndNowContext): PrimaryFacts {
  const p = ctx.primary;
  const s = ctx.standby;
  return {
    primary: p,
    caps,
    address: peerAddress(p),
    settings: { ...UNPREPARED },
    pendingRestart: [],
    dataChecksums: false,
    confPath: postgresqlConfPath(p),
    conf: { text: '', mode: 0o600 },
    auto: null,
    hbaPath: `${p.postgres.dataDir}/pg_hba.conf`,
    hba: { text: '', mode: 0o600 },
    role: { exists: false, login: false, replication: false },
    slots: [],
    home: ctx.primaryHome,
    rsync: ctx.rsync.primary,
    standbys: [
      {
        config: s,
        address: peerAddress(s),
        // The plan's own check: a missing or unsafe archiveDir is refused here as it is there.
        archiveDir: checkArchiveDir(s, undefined, 'dir'),
        archiveEntries: [],
        parentWritable: true,
        // The standby's home names its .pgpass only, which none of the forms here reads.
        home: '',
        pgpass: null,
        login: 'unchecked',
        loginError: null,
        rsync: ctx.rsync.standby,
        psql: null,
      },
    ],
    sshBroken: [],
  };
}

function primaryForms(caps: Capabilities, ctx: ThenAndNowContext): Forms {
  const f = primaryFacts(caps, ctx);
  const { values } = wantedSettings(f, false, archiveCommandFor(f));
  const line = (name: string) => {
    const v = values[name];
    return v === undefined ? '' : settingLine(name, v);
  };
  const cp = caps.checkpointWalSetting;
  // 9.5 release notes: max_wal_size = 3 × checkpoint_segments × 16 MB is about the same distance.
  const checkpoint =
    cp.name === 'checkpoint_segments'
      ? settingLine(cp.name, String(GUIDE_CHECKPOINT_SEGMENTS))
      : settingLine(cp.name, `${3 * GUIDE_CHECKPOINT_SEGMENTS * 16}MB`);
  const prove = proveArchivingStep(f, {}).shown.runs?.[0];
  return {
    'listen-addresses': line('listen_addresses'),
    'wal-level': line('wal_level'),
    'max-wal-senders': line('max_wal_senders'),
    'wal-keep': line(caps.walKeepSetting.name),
    'checkpoint-wal': checkpoint,
    'wal-log-hints': line('wal_log_hints'),
    'archive-mode': line('archive_mode'),
    'archive-timeout': line('archive_timeout'),
    'archive-command': line('archive_command'),
    'hba-replication': replicationHbaLine(caps, ctx.replicationUser, peerAddress(ctx.standby)),
    'switch-wal': prove?.sql ?? '',
  };
}

function backupForms(caps: Capabilities, ctx: ThenAndNowContext): Forms {
  // The label base-backup's lab method gives the backup.
  const label = sqlLiteral(`walboard lab backup for ${ctx.standby.name}`);
  const low = caps.lowLevelBackup;
  const exclusive = caps.backup.exclusive;
  let start = '';
  let stop = '';
  if (low) {
    start = low.start.replace('$1', label);
    stop = low.stop;
  } else if (exclusive) {
    // ≤ 9.5 has only the exclusive backup the guide runs from psql.
    start = `SELECT ${exclusive.start}(${label})`;
    stop = `SELECT ${exclusive.stop}()`;
  }
  return {
    'backup-start': start,
    'backup-stop': stop,
    'wal-dir': `${ctx.primary.postgres.dataDir}/${caps.walDir}`,
  };
}

function standbyForms(caps: Capabilities, ctx: ThenAndNowContext): Forms {
  const s = ctx.standby;
  const cfg: StandbyConfig = standbyConfigFor(caps, {
    primaryHost: peerAddress(ctx.primary),
    primaryPort: ctx.primary.postgres.port,
    user: ctx.replicationUser,
    applicationName: s.name,
    passfile: s.postgres.passfile,
    archiveDir: checkArchiveDir(s, undefined, 'dir'),
    archiveCleanupBin: ctx.archiveCleanupBin,
    triggerFile: triggerFileOf(s),
  });
  const line = (name: string | null) => {
    const v = name ? cfg.values[name] : undefined;
    return name && v !== undefined ? settingLine(name, v) : '';
  };
  // A fresh postgresql.conf that sets nothing: what the standby must add for itself.
  const own = ownSettings({
    conf: { text: '', mode: 0o600 },
    caps,
    confInDataDir: false,
    standby: s,
    primaryAddress: peerAddress(ctx.primary),
  });
  const hot = own.hot_standby;
  return {
    // Left out where the default is already on: shown as postgresql.conf shows a default.
    'hot-standby':
      hot !== undefined ? settingLine('hot_standby', hot) : caps.hotStandbyDefault ? '#hot_standby = on' : '',
    'standby-file': cfg.signalFile
      ? `${standbySignalPath(s)} + ${autoConfPath(s)}`
      : cfg.file === 'recovery.conf'
        ? recoveryConfPath(s)
        : autoConfPath(s),
    'standby-mode': line('standby_mode'),
    'primary-conninfo': line('primary_conninfo'),
    'restore-command': line('restore_command'),
    'archive-cleanup-command': line('archive_cleanup_command'),
    'recovery-target-timeline': line('recovery_target_timeline'),
    'trigger-file': line(caps.triggerFileSetting),
  };
}

function monitorForms(caps: Capabilities): Forms {
  const r = caps.statReplication;
  return {
    'ready-log': caps.readyForReadOnlyLog,
    'stat-replication': `SELECT ${r.pidColumn}, application_name, state, sent${r.lsnSuffix}, replay${r.lsnSuffix} FROM pg_stat_replication`,
    'primary-lsn': `SELECT ${caps.fn.currentLsn}()`,
    'standby-lsn': `SELECT ${caps.fn.receiveLsn}(), ${caps.fn.replayLsn}()`,
  };
}

/**
 * The promotion as planPromote builds it: `guide` is the 9.1 lab's trigger file (where the version
 * has one), `run` what walboard's Run does on that version (pg_promote() 12+, else pg_ctl promote).
 */
function promoteForms(caps: Capabilities, ctx: ThenAndNowContext, way: 'guide' | 'run'): Forms {
  const s = ctx.standby;
  const method =
    way === 'guide' && caps.promoteMethods.includes('trigger-file')
      ? 'trigger-file'
      : caps.promoteMethods.includes('pg_promote')
        ? 'pg_promote'
        : 'pg_ctl';
  const plan = planPromote(
    {
      node: s,
      caps,
      receivedLsn: null,
      replayedLsn: null,
      triggerFile: triggerFileOf(s),
      upstreamHost: null,
      upstreamPort: null,
      others: [],
    },
    { method },
  );
  const step = plan.steps[0]?.shown;
  const promote = step?.sql ?? (step?.argv ? shellQuote(step.argv) : '');
  const dataDir = s.postgres.dataDir.replace(/\/+$/, '');
  return {
    promote,
    // ≤ 11 the server renames recovery.conf to recovery.done, which the guide then deletes.
    'recovery-done':
      caps.standbyConfig === 'recovery.conf' ? shellQuote(['rm', '--', `${dataDir}/recovery.done`]) : '',
    'history-file': `${dataDir}/${caps.walDir}/${FIRST_PROMOTION_HISTORY}`,
  };
}

function formsFor(caps: Capabilities, ctx: ThenAndNowContext, way: 'guide' | 'run'): Forms {
  return {
    ...primaryForms(caps, ctx),
    ...backupForms(caps, ctx),
    ...standbyForms(caps, ctx),
    ...monitorForms(caps),
    ...promoteForms(caps, ctx, way),
  };
}

/**
 * The table for a node of `versionNum`: one row per item either version configures, in lab order.
 * An empty form means the version has no such item (the page says so).
 */
export function thenAndNow(versionNum: number, ctx: ThenAndNowContext): ThenAndNow {
  const then = capabilitiesFor(GUIDE_VERSION_NUM);
  const now = capabilitiesFor(versionNum);
  const v91 = formsFor(then, ctx, 'guide');
  const current = formsFor(now, ctx, 'run');
  const rows: ThenAndNowRow[] = [];
  for (const spec of ROWS) {
    const a = v91[spec.topic] ?? '';
    const b = current[spec.topic] ?? '';
    if (a === '' && b === '') continue;
    if (a !== b && !spec.why)
      throw new Error(
        `then-and-now: ${spec.topic} is written differently for 9.1 and ${now.major} but has no reason to show; add one`,
      );
    rows.push({
      step: spec.step,
      topic: spec.topic,
      v91: a,
      current: b,
      why: a === b ? null : (spec.why?.(now) ?? null),
    });
  }
  return { major: now.major, rows };
}
