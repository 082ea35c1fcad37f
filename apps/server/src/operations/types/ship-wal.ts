import type { NodeConfig } from '@walboard/shared/config';
import type { OperationRequestOf, PlanStep } from '@walboard/shared/operations';
import { peerAddress } from '../../nodes/node-address.ts';
import { type PgpassKey, pgpassPassword } from '../../postgres/pgpass.ts';
import { effectiveValue, parseConfigFile } from '../../postgres/settings-file.ts';
import type { ClusterReader } from '../cluster-reader.ts';
import { autoConfPath } from '../config-paths.ts';
import { defineOperation } from '../operation-module.ts';
import { pgpassEntryStep } from '../pgpass-steps.ts';
import type { ExecStep, FileSnapshot } from '../plan-types.ts';
import { PlanRefusal } from '../plan-types.ts';
import { otherNodes, pgpassOf, triggerFileOf } from '../replication-common.ts';
import { commandStep, configFileStep, sqlStep } from '../step-builders.ts';
import { type PrimaryFacts, planConfigurePrimary, readPrimaryFacts } from './configure-primary.ts';
import { type LinkFacts, planLinks, readLinkFacts } from './link-nodes.ts';
import { type OtherNode, probeNode } from './promote.ts';

/**
 * ship-wal: after a promotion, the new primary ships WAL to the standbys that remain — what the
 * lab guide redoes by hand. Composed from link-nodes (ssh from the new primary) and the archiving
 * part of configure-primary (archive_command for these standbys, their archive directories,
 * pg_hba replication lines, the replication role), keeping the role's password (roles are
 * replicated, so every node already has it) instead of making a new one that would leave other
 * nodes with a stale .pgpass. Then the new primary's leftovers from when it was a standby are
 * cleaned up: its own archive directory, recovery files, standby settings. Refused while another
 * node accepts writes.
 */

/** Where a standby gets the role's existing password from: its own password file, or the new primary's. */
interface PasswordSource {
  node: string;
  path: string;
  key: PgpassKey;
}

export interface ShipWalFacts {
  primary: NodeConfig;
  others: OtherNode[];
  links: LinkFacts;
  configure: PrimaryFacts;
  /** Per standby that cannot log in to the new primary yet: where its password comes from (null: nowhere). */
  sources: Map<string, PasswordSource | null>;
  /** The new primary's own archive directory (from when it was a standby) and what is in it. */
  ownArchive: { dir: string; files: string[] } | null;
  /** Files in the data directory that only a standby uses. */
  leftovers: string[];
  auto: FileSnapshot | null;
}

/** Settings only a standby reads; on a primary they wait for a start as a standby that must not pick them up. */
const STANDBY_ONLY = [
  'primary_conninfo',
  'primary_slot_name',
  'restore_command',
  'archive_cleanup_command',
  'promote_trigger_file',
] as const;

/** Keys under which a password file may hold the role's password: any node of the cluster. */
function clusterKeys(reader: ClusterReader, user: string): PgpassKey[] {
  return reader.nodeNames().map((n) => {
    const c = reader.session(n).config;
    return { host: peerAddress(c), port: c.postgres.port, database: 'replication', user };
  });
}

export async function readShipWalFacts(
  req: OperationRequestOf<'ship-wal'>,
  reader: ClusterReader,
): Promise<ShipWalFacts> {
  const p = req.node;
  const { standbys, replicationUser } = req.params;
  otherNodes(reader, p, standbys, 'standby');
  const others = await Promise.all(
    reader
      .nodeNames()
      .filter((n) => n !== p)
      .map((n) => probeNode(reader.session(n))),
  );
  // link-nodes runs first in this plan: its ssh links are not held against configure-primary.
  const [links, configure] = await Promise.all([
    readLinkFacts(p, standbys, reader),
    readPrimaryFacts(p, standbys, replicationUser, reader, { predicting: true }),
  ]);
  const primary = configure.primary;
  const home = await reader.home(p);
  const [ownPgpass, dataEntries, archiveEntries] = await Promise.all([
    reader.file(p, pgpassOf(primary, home)),
    reader.entries(p, primary.postgres.dataDir),
    primary.archiveDir ? reader.entries(p, primary.archiveDir) : Promise.resolve(null),
  ]);
  const keys = clusterKeys(reader, replicationUser);
  const sources = new Map<string, PasswordSource | null>();
  for (const s of configure.standbys) {
    if (s.login === 'ok') continue;
    const ownPath = pgpassOf(s.config, s.home);
    const fromOwn = keys.find((k) => pgpassPassword(s.pgpass?.text ?? null, k) !== null);
    const fromPrimary = keys.find((k) => pgpassPassword(ownPgpass?.text ?? null, k) !== null);
    sources.set(
      s.config.name,
      fromOwn
        ? { node: s.config.name, path: ownPath, key: fromOwn }
        : fromPrimary
          ? { node: p, path: pgpassOf(primary, home), key: fromPrimary }
          : null,
    );
  }
  const names = new Set((dataEntries ?? []).map((e) => e.name));
  const dataDir = primary.postgres.dataDir.replace(/\/+$/, '');
  const trigger = triggerFileOf(primary);
  const leftovers = [
    ...['standby.signal', 'recovery.signal', 'recovery.done', 'recovery.conf']
      .filter((n) => names.has(n))
      .map((n) => `${dataDir}/${n}`),
    ...(names.has(trigger.split('/').pop() ?? '') ? [trigger] : []),
  ];
  // A standby's archive directory on the same machine path is theirs, not a leftover.
  const shared = configure.standbys.some(
    (s) =>
      s.config.transport === 'local' && primary.transport === 'local' && s.archiveDir === primary.archiveDir,
  );
  return {
    primary,
    others,
    links,
    configure,
    sources,
    ownArchive:
      primary.archiveDir && archiveEntries && !shared
        ? {
            dir: primary.archiveDir,
            files: archiveEntries.filter((e) => e.type === 'file').map((e) => e.name),
          }
        : null,
    leftovers,
    auto: configure.auto,
  };
}

function passwordCopyStep(
  f: ShipWalFacts,
  s: PrimaryFacts['standbys'][number],
  src: PasswordSource,
  user: string,
  now: Date,
  extra: Partial<PlanStep>,
): ExecStep {
  const n = s.config.name;
  const path = pgpassOf(s.config, s.home);
  const key: PgpassKey = {
    host: f.configure.address,
    port: f.primary.postgres.port,
    database: 'replication',
    user,
  };
  return pgpassEntryStep({
    node: n,
    path,
    current: s.pgpass,
    key,
    now,
    title: `Give ${n} the existing password of ${user} for ${f.primary.name} (${key.host}:${key.port}) in ${path}`,
    detail: `The password is the one ${src.node}'s ${src.path} holds for ${src.key.host}:${src.key.port}, read when this step runs (never shown: ********).`,
    extra,
    password: async (rt) => {
      const srcText = (await rt.session(src.node).transport.readFile(src.path)).toString('utf8');
      const password = pgpassPassword(srcText, src.key);
      if (password === null)
        throw new Error(
          `${src.path} on ${src.node} no longer holds a password for ${src.key.host}:${src.key.port}`,
        );
      return password;
    },
  });
}

export function planShipWal(
  f: ShipWalFacts,
  req: OperationRequestOf<'ship-wal'>['params'],
  env: { cluster: string; now: Date },
): { steps: ExecStep[]; notes: string[]; phases: { id: string; title: string }[] } {
  const p = f.primary.name;
  const user = req.replicationUser;
  const others = f.others;
  const writable = others.filter((o) => o.state === 'writable');
  if (writable.length > 0) {
    const names = writable.map((o) => o.config.name).join(', ');
    throw new PlanRefusal(
      p,
      `${names} ${writable.length === 1 ? 'runs as a primary and accepts' : 'run as primaries and accept'} writes too: two primaries in one cluster (split brain). Shipping ${p}'s WAL now would feed the standbys a history that ${names} keeps diverging from; stop ${names} first (then rejoin ${writable.length === 1 ? 'it' : 'them'} as a standby of ${p}), and plan ship-wal again`,
    );
  }
  const steps: ExecStep[] = [];
  const notes: string[] = [];
  const tag = (id: string, list: ExecStep[]) => list.map((s) => ({ ...s, shown: { ...s.shown, phase: id } }));

  const links = planLinks(f.links, env.cluster, env.now, { phase: 'link-nodes' });
  steps.push(...tag('link-nodes', links.steps));
  notes.push(...links.notes);

  const missing = [...f.sources.entries()].filter(([, src]) => src === null).map(([n]) => n);
  const passwordKnown = f.configure.role.exists && missing.length === 0;
  const pw: ExecStep[] = [];
  if (passwordKnown) {
    for (const s of f.configure.standbys) {
      const src = f.sources.get(s.config.name);
      if (src) pw.push(passwordCopyStep(f, s, src, user, env.now, { phase: 'password' }));
    }
    notes.push(
      pw.length > 0
        ? `The password of ${user} is kept (roles are replicated: ${p} has the old primary's): ${f.configure.standbys
            .filter((s) => f.sources.get(s.config.name))
            .map(
              (s) =>
                `${s.config.name} reuses the one in ${f.sources.get(s.config.name)?.node}'s ${f.sources.get(s.config.name)?.path}`,
            )
            .join('; ')}. No other node's password file goes stale.`
        : `The password of ${user} is kept: ${f.configure.standbys.map((s) => s.config.name).join(', ')} already log in to ${p} with it.`,
    );
  } else if (f.configure.role.exists)
    notes.push(
      `No password of ${user} was found to reuse for ${missing.join(', ')}: ${p} gives the role a new one and writes it to every listed standby's password file; nodes not listed (${
        f.others
          .map((o) => o.config.name)
          .filter((n) => !req.standbys.includes(n))
          .join(', ') || 'none'
      }) need it too.`,
    );
  steps.push(...tag('password', pw));

  const cp = planConfigurePrimary(
    f.configure,
    { standbys: req.standbys, slots: false, replicationUser: user },
    env,
    { phase: 'configure-primary' },
    { archivesOfThisCluster: true, passwordKnown },
  );
  steps.push(...cp.steps);
  notes.push(...cp.notes);

  const clean: ExecStep[] = [];
  const extra = { phase: 'cleanup' };
  if (f.ownArchive && f.ownArchive.files.length > 0)
    clean.push(
      commandStep(
        p,
        `Empty ${p}'s own archive directory ${f.ownArchive.dir} (${f.ownArchive.files.length} files of WAL it received as a standby; no one restores from it now)`,
        ['find', f.ownArchive.dir, '-mindepth', '1', '-maxdepth', '1', '-type', 'f', '-delete'],
        60_000,
        extra,
      ),
    );
  for (const path of f.leftovers)
    clean.push(
      commandStep(
        p,
        `Remove ${path}: a standby's file, left over from before the promotion`,
        ['rm', '-f', '--', path],
        30_000,
        extra,
      ),
    );
  const parsed = f.auto ? parseConfigFile(f.auto.text) : null;
  const stale = Object.fromEntries(
    STANDBY_ONLY.filter((k) => (parsed ? (effectiveValue(parsed, k) ?? '') !== '' : false)).map((k) => [
      k,
      '',
    ]),
  );
  if (Object.keys(stale).length > 0) {
    clean.push(
      configFileStep(p, autoConfPath(f.primary), f.auto, stale, env.now, {
        title: `Clear ${Object.keys(stale).join(', ')} in ${autoConfPath(f.primary)}: standby settings from before the promotion (primary_conninfo still names the old primary)`,
        extra,
      }),
      sqlStep(p, `Reload ${p}'s configuration`, 'SELECT pg_reload_conf()', [], extra),
    );
  }
  if (clean.length === 0) notes.push(`${p} has no leftovers from its time as a standby.`);
  steps.push(...clean);
  return {
    steps,
    notes,
    phases: [
      { id: 'link-nodes', title: `ssh from ${p} to ${req.standbys.join(', ')}` },
      { id: 'password', title: `The password of ${user}` },
      { id: 'configure-primary', title: `WAL shipping from ${p}` },
      { id: 'cleanup', title: `${p}'s leftovers from its time as a standby` },
    ],
  };
}

export const shipWalOperation = defineOperation({
  type: 'ship-wal',
  gather: (req: OperationRequestOf<'ship-wal'>, reader: ClusterReader) => readShipWalFacts(req, reader),
  plan: (req, facts, env) => {
    const { steps, notes, phases } = planShipWal(facts, req.params, env);
    const used = new Set(steps.map((s) => s.shown.phase));
    return {
      plan: {
        type: req.type,
        cluster: env.cluster,
        node: req.node,
        destructive: true,
        steps: steps.map((s) => s.shown),
        notes,
        phases: phases
          .filter((ph) => used.has(ph.id))
          .map((ph) => ({ id: ph.id, type: ph.id, node: req.node, title: ph.title, final: true })),
      },
      steps,
      nextAction: `Plan ship-wal on ${req.node} again: what is already done plans to nothing, the rest runs.`,
    };
  },
});
