import type { LabPair, LabStepId, LabText } from '@walboard/shared/guide';
import type { Operation, OperationType } from '@walboard/shared/operations';
import type { ArchiveListing, ClusterSnapshot, NodeStatus } from '@walboard/shared/status';
import type { ArchiveLookup } from '../monitor/archive-watcher.ts';
import { sshTargetOf } from '../nodes/node-address.ts';
import type { ClusterReader } from '../operations/cluster-reader.ts';
import { NodeFactsError } from '../operations/node-facts.ts';
import { sshProofArgv } from '../operations/types/link-nodes.ts';
import { majorOf } from '../postgres/capabilities.ts';

/** Everything a Check reads: live state only (the monitor, the archive watcher, the nodes themselves). */
export interface CheckInput {
  pair: LabPair;
  /** Operations of this run of the lab began at or after this time. */
  since: string;
  snapshot: ClusterSnapshot | null;
  /** The cluster's operations, newest first. */
  operations: readonly Operation[];
  reader: ClusterReader;
  archive: (node: string) => Promise<ArchiveLookup>;
  /** How long the row written on the primary may take to be readable on the standby. */
  rowWaitMs?: number;
}

export interface CheckOutcome {
  state: 'passed' | 'failed';
  facts: LabText[];
  problem: LabText | null;
}

/** Every sentence a Check can say: the page's catalog must hold each (tested). */
export const CHECK_TEXT_KEYS = [
  'guide.check.nodeAnswers',
  'guide.check.nodeDown',
  'guide.check.sameMajor',
  'guide.check.majorsDiffer',
  'guide.check.opSucceeded',
  'guide.check.opMissing',
  'guide.check.opFailed',
  'guide.check.localCopy',
  'guide.check.sshWorks',
  'guide.check.sshFails',
  'guide.check.archiverCount',
  'guide.check.archiverOff',
  'guide.check.archiverFailing',
  'guide.check.archiveHolds',
  'guide.check.archiveEmpty',
  'guide.check.archiveUnknown',
  'guide.check.sameSystem',
  'guide.check.otherSystem',
  'guide.check.noControlFile',
  'guide.check.standbyFile',
  'guide.check.noStandbyFile',
  'guide.check.isStandby',
  'guide.check.notStandby',
  'guide.check.streaming',
  'guide.check.notStreaming',
  'guide.check.rowSeen',
  'guide.check.rowMissing',
  'guide.check.leftRecovery',
  'guide.check.stillInRecovery',
  'guide.check.timelineUp',
  'guide.check.timelineSame',
  'guide.check.takesWrites',
  'guide.check.writeFailed',
  'guide.check.unreadable',
] as const;
type CheckKey = (typeof CHECK_TEXT_KEYS)[number];

const text = (key: CheckKey, params: LabText['params'] = {}): LabText => ({ key, params });

/** Collects facts; the first problem found is what the page says to fix. */
class Findings {
  readonly facts: LabText[] = [];
  problem: LabText | null = null;
  fact(key: CheckKey, params: LabText['params'] = {}): void {
    this.facts.push(text(key, params));
  }
  fail(key: CheckKey, params: LabText['params'] = {}): void {
    this.problem ??= text(key, params);
  }
  outcome(): CheckOutcome {
    return { state: this.problem ? 'failed' : 'passed', facts: this.facts, problem: this.problem };
  }
}

/** Proves, from live state, what the lab step is meant to have made true. */
export async function runLabCheck(id: LabStepId, input: CheckInput): Promise<CheckOutcome> {
  const f = new Findings();
  try {
    await CHECKS[id](input, f);
  } catch (err) {
    // A node that cannot be read is a failed check that says which node and why, never a 500.
    const node = err instanceof NodeFactsError ? err.node : input.pair.primary;
    f.fail('guide.check.unreadable', { node, reason: (err as Error).message });
  }
  return f.outcome();
}

const CHECKS: Record<LabStepId, (i: CheckInput, f: Findings) => Promise<void>> = {
  prepare: async (i, f) => {
    const { primary, standby } = i.pair;
    const p = answering(i, primary, f);
    const s = answering(i, standby, f);
    if (p?.versionNum && s?.versionNum) {
      const mp = majorOf(p.versionNum);
      const ms = majorOf(s.versionNum);
      if (mp === ms) f.fact('guide.check.sameMajor', { primary, standby, major: mp });
      else f.fail('guide.check.majorsDiffer', { primary, standby, a: mp, b: ms });
    }
    lastOperation(i, 'preflight', primary, f);
  },

  link: async (i, f) => {
    const { primary, standby } = i.pair;
    const ps = i.reader.session(primary).config;
    const ss = i.reader.session(standby).config;
    if (ps.transport === 'local' && ss.transport === 'local') {
      f.fact('guide.check.localCopy', { primary, standby });
      return;
    }
    if (!lastOperation(i, 'link-nodes', primary, f)) return;
    // The same proof link-nodes ends with, run again now: the key still opens the standby.
    const target = sshTargetOf(ss);
    if (!target) return;
    const r = await i.reader.exec(primary, sshProofArgv(await i.reader.home(primary), target), 30_000);
    if (r.code === 0) f.fact('guide.check.sshWorks', { primary, standby, user: target.user });
    else
      f.fail('guide.check.sshFails', {
        primary,
        standby,
        reason: (r.stderr || r.stdout).trim().split('\n').at(-1) ?? `exit ${r.code}`,
      });
  },

  shipping: async (i, f) => {
    const { primary, standby } = i.pair;
    const p = answering(i, primary, f);
    if (!p) return;
    const a = p.archiver;
    if (!a || a.archivedCount === 0) f.fail('guide.check.archiverOff', { primary });
    else if (a.failing)
      f.fail('guide.check.archiverFailing', {
        primary,
        wal: a.lastFailedWal ?? '',
        reason: a.lastError ?? '',
      });
    if (a && a.archivedCount > 0)
      f.fact('guide.check.archiverCount', {
        primary,
        count: a.archivedCount,
        last: a.lastArchivedWal ?? '',
      });
    await archiveHolds(i, standby, f);
  },

  'base-backup': async (i, f) => {
    const { primary, standby } = i.pair;
    const [sp, ss] = await Promise.all([i.reader.systemId(primary), i.reader.systemId(standby)]);
    if (ss === null) f.fail('guide.check.noControlFile', { node: standby });
    else if (sp !== ss) f.fail('guide.check.otherSystem', { primary, standby, a: sp ?? '?', b: ss });
    else f.fact('guide.check.sameSystem', { primary, standby, id: ss });
  },

  'standby-config': async (i, f) => {
    const { primary, standby } = i.pair;
    const caps = (await i.reader.server(standby)).caps ?? (await i.reader.server(primary)).caps;
    if (!caps) {
      f.fail('guide.check.noControlFile', { node: standby });
      return;
    }
    const file = caps.standbyConfig === 'standby.signal' ? 'standby.signal' : 'recovery.conf';
    const dataDir = i.reader.session(standby).config.postgres.dataDir;
    const type = await i.reader.pathType(standby, `${dataDir}/${file}`);
    if (type === 'file') f.fact('guide.check.standbyFile', { standby, file });
    else f.fail('guide.check.noStandbyFile', { standby, file });
    lastOperation(i, 'configure-standby', standby, f);
  },

  start: async (i, f) => {
    const { primary, standby } = i.pair;
    const s = answering(i, standby, f);
    if (!s) return;
    if (s.role !== 'standby') {
      f.fail('guide.check.notStandby', { standby });
      return;
    }
    f.fact('guide.check.isStandby', { standby, lsn: s.replayLsn ?? '' });
    const link = i.snapshot?.links.find((l) => l.primary === primary && l.standby === standby);
    if (link?.streaming) f.fact('guide.check.streaming', { primary, standby, state: link.state ?? '' });
    else f.fail('guide.check.notStreaming', { primary, standby });
    await rowTravels(i, primary, standby, f);
  },

  promote: async (i, f) => {
    const { standby } = i.pair;
    const rows = await i.reader.query<{ r: boolean }>(standby, 'SELECT pg_is_in_recovery() AS r');
    if (rows[0]?.r === false) f.fact('guide.check.leftRecovery', { standby });
    else f.fail('guide.check.stillInRecovery', { standby });
    const op = lastOperation(i, 'promote', standby, f);
    const promotion = op?.promotion;
    const live = i.snapshot?.nodes.find((n) => n.node === standby)?.timeline ?? null;
    if (promotion) {
      // The history file's last line names the timeline the standby left.
      const from = Number(/^\s*(\d+)/m.exec(promotion.history.trim().split('\n').at(-1) ?? '')?.[1] ?? 0);
      if (live !== null && live >= promotion.timeline && promotion.timeline > from)
        f.fact('guide.check.timelineUp', { standby, from, to: live, file: promotion.historyFile });
      else f.fail('guide.check.timelineSame', { standby, timeline: live ?? '?' });
    }
  },

  'after-promotion': async (i, f) => {
    const { standby } = i.pair;
    try {
      const id = await writeRow(i, standby, `written on ${standby} as the new primary`);
      f.fact('guide.check.takesWrites', { node: standby, id: id.id });
    } catch (err) {
      f.fail('guide.check.writeFailed', { node: standby, reason: (err as Error).message });
    }
    lastOperation(i, 'clean-archive', standby, f);
    await archiveHolds(i, standby, f, { emptyIsFine: true });
  },
};

function status(i: CheckInput, node: string): NodeStatus | null {
  return i.snapshot?.nodes.find((n) => n.node === node) ?? null;
}

/** The node's live status when its PostgreSQL answers; else a failure naming why. */
function answering(i: CheckInput, node: string, f: Findings): NodeStatus | null {
  const s = status(i, node);
  if (s?.reachability.pg !== 'up') {
    f.fail('guide.check.nodeDown', { node, reason: s?.reachability.reason ?? '' });
    return null;
  }
  f.fact('guide.check.nodeAnswers', { node, version: s.version ?? '', role: s.role });
  return s;
}

/** The newest operation of this type on this node in this run of the lab; a failure when none succeeded. */
function lastOperation(i: CheckInput, type: OperationType, node: string, f: Findings): Operation | null {
  const op = i.operations.find((o) => o.type === type && o.node === node && o.createdAt >= i.since);
  if (!op) {
    f.fail('guide.check.opMissing', { type, node });
    return null;
  }
  if (op.state !== 'succeeded') {
    f.fail('guide.check.opFailed', { type, node, state: op.state, message: op.message });
    return null;
  }
  f.fact('guide.check.opSucceeded', { type, node, at: op.finishedAt ?? op.createdAt });
  return op;
}

async function archiveHolds(
  i: CheckInput,
  node: string,
  f: Findings,
  opts: { emptyIsFine?: boolean } = {},
): Promise<ArchiveListing | null> {
  const found = await i.archive(node);
  if (found.kind !== 'ok') {
    f.fail('guide.check.archiveUnknown', {
      node,
      reason: found.kind === 'not-yet' ? found.reason : found.kind,
    });
    return null;
  }
  const segments = found.listing.entries.filter((e) => e.kind === 'segment');
  const count = segments.length + (found.listing.omitted ?? 0);
  if (count === 0 && !opts.emptyIsFine) {
    f.fail('guide.check.archiveEmpty', { node, dir: found.listing.dir });
    return found.listing;
  }
  const newest =
    segments
      .map((e) => e.name)
      .sort()
      .at(-1) ?? '';
  f.fact('guide.check.archiveHolds', { node, dir: found.listing.dir, count, newest });
  return found.listing;
}

const ROW_TABLE = 'walboard_lab_check';

/** Writes one row on a primary; answers its id and the LSN right after the commit. */
async function writeRow(i: CheckInput, node: string, note: string): Promise<{ id: string; lsn: string }> {
  const caps = (await i.reader.server(node)).caps;
  const lsnFn = caps?.fn.currentLsn ?? 'pg_current_wal_lsn';
  await i.reader.query(
    node,
    `CREATE TABLE IF NOT EXISTS ${ROW_TABLE} (id bigserial PRIMARY KEY, note text NOT NULL, written_at timestamptz NOT NULL DEFAULT now())`,
  );
  const [row] = await i.reader.query<{ id: string }>(
    node,
    `INSERT INTO ${ROW_TABLE} (note) VALUES ($1) RETURNING id::text AS id`,
    [note],
  );
  const [pos] = await i.reader.query<{ lsn: string }>(node, `SELECT ${lsnFn}()::text AS lsn`);
  if (!row || !pos) throw new Error(`the insert on ${node} returned no row`);
  return { id: row.id, lsn: pos.lsn };
}

/** A row written on the primary, read back on the standby: the whole path works, end to end. */
async function rowTravels(i: CheckInput, primary: string, standby: string, f: Findings): Promise<void> {
  const started = Date.now();
  const row = await writeRow(i, primary, `written on ${primary} by the lab check`);
  const waitMs = i.rowWaitMs ?? 10_000;
  for (;;) {
    try {
      const seen = await i.reader.query<{ id: string }>(
        standby,
        `SELECT id::text AS id FROM ${ROW_TABLE} WHERE id = $1`,
        [row.id],
      );
      if (seen.length === 1) {
        f.fact('guide.check.rowSeen', {
          primary,
          standby,
          id: row.id,
          lsn: row.lsn,
          ms: Date.now() - started,
        });
        return;
      }
    } catch {
      // The table itself may not have been replayed yet: same as "not there yet".
    }
    if (Date.now() - started > waitMs) {
      f.fail('guide.check.rowMissing', { primary, standby, id: row.id, seconds: Math.round(waitMs / 1000) });
      return;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}
