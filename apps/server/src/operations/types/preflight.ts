import type { NodeConfig } from '@walboard/shared/config';
import type { OperationRequestOf, PlanStep } from '@walboard/shared/operations';
import { peerAddress, sshTargetOf } from '../../nodes/node-address.ts';
import type { NodeSession } from '../../nodes/node-session.ts';
import type { ClientTools } from '../../postgres/client-tools.ts';
import type { ClusterReader } from '../cluster-reader.ts';
import { builtPlan, defineOperation } from '../operation-module.ts';
import type { ExecStep, StepResult, StepRuntime } from '../plan-types.ts';
import { formatBytes, otherNodes } from '../replication-common.ts';
import { customStep } from '../step-builders.ts';
import { sshProofArgv } from './link-nodes.ts';

/**
 * preflight: changes nothing. One check per step, each PASS or FAIL with its reason and what to
 * do; every check runs even when an earlier one failed, and the operation fails if any did.
 */

interface NodeTools {
  config: NodeConfig;
  tools: ClientTools;
  home: string | null;
}

export interface PreflightFacts {
  primary: NodeTools;
  standbys: NodeTools[];
  /** The version the tools were resolved for (the primary's, or 15 when it cannot be read). */
  major: number;
}

export async function readPreflightFacts(
  req: OperationRequestOf<'preflight'>,
  reader: ClusterReader,
): Promise<PreflightFacts> {
  const primary = reader.session(req.node).config;
  const standbys = otherNodes(reader, req.node, req.params.standbys, 'standby');
  const server = await reader.server(req.node);
  const major = Number(server.caps?.major ?? 15);
  const one = async (n: NodeConfig): Promise<NodeTools> => ({
    config: n,
    tools: await reader.tools(n.name, major),
    home:
      n.transport === 'ssh' || primary.transport === 'ssh'
        ? await reader.home(n.name).catch(() => null)
        : null,
  });
  return {
    primary: await one(primary),
    standbys: await Promise.all(standbys.map(one)),
    major: Number.isFinite(major) ? major : 15,
  };
}

type Verdict = { pass: boolean; lines: string[]; reason?: string };

function check(
  node: string,
  title: string,
  runs: PlanStep['runs'],
  fn: (rt: StepRuntime) => Promise<Verdict>,
): ExecStep {
  return customStep(
    { node, kind: 'check', title, ...(runs ? { runs } : {}) },
    async (rt): Promise<StepResult> => {
      let v: Verdict;
      try {
        v = await fn(rt);
      } catch (err) {
        v = { pass: false, lines: [], reason: (err as Error).message };
      }
      const head = v.pass ? 'PASS' : `FAIL: ${v.reason ?? 'see above'}`;
      return {
        ok: v.pass,
        output: [...v.lines, head].join('\n'),
        exitCode: null,
        ...(v.pass ? {} : { reason: v.reason ?? title }),
      };
    },
    60_000,
    { continueOnFailure: true },
  );
}

async function run(s: NodeSession, argv: string[]): Promise<{ code: number | null; out: string }> {
  try {
    const r = await s.transport.exec(argv, { timeoutMs: 30_000 });
    return { code: r.code, out: `${r.stdout}${r.stderr}`.trim() };
  } catch (err) {
    return { code: null, out: (err as Error).message };
  }
}

const CONTROL_KEYS = [
  'pg_control version number',
  'Catalog version number',
  'Maximum data alignment',
  'Database block size',
  'Blocks per segment of large relation',
  'WAL block size',
  'Bytes per WAL segment',
  'Maximum length of identifiers',
];

/** pg_controldata output as key → value. */
export function parseControlData(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const i = line.indexOf(':');
    if (i > 0) out[line.slice(0, i).trim()] = line.slice(i + 1).trim();
  }
  return out;
}

async function versionOf(
  rt: StepRuntime,
  n: NodeTools,
): Promise<{ major: string; arch: string; control: Record<string, string>; source: string }> {
  const s = rt.session(n.config.name);
  const bin = await run(s, [`${n.config.postgres.binDir}/postgres`, '--version']);
  const m = /\(PostgreSQL\)\s+(\d+)(?:\.(\d+))?/.exec(bin.out);
  const major = m ? (Number(m[1]) >= 10 ? String(m[1]) : `${m[1]}.${m[2]}`) : '?';
  const arch = (await run(s, ['uname', '-m'])).out;
  let control: Record<string, string> = {};
  let source = 'none';
  if (n.tools.pg_controldata) {
    const r = await run(s, [n.tools.pg_controldata, '-D', n.config.postgres.dataDir]);
    if (r.code === 0) {
      const all = parseControlData(r.out);
      control = Object.fromEntries(
        CONTROL_KEYS.filter((k) => all[k] !== undefined).map((k) => [k, all[k] as string]),
      );
      source = 'pg_controldata';
    }
  }
  if (source === 'none') {
    const rows = await s
      .query<Record<string, string>>(
        'SELECT pg_control_version::text AS "pg_control version number", catalog_version_no::text AS "Catalog version number" FROM pg_control_system()',
      )
      .catch(() => []);
    const init = await s
      .query<Record<string, string>>(
        'SELECT max_data_alignment::text AS "Maximum data alignment", database_block_size::text AS "Database block size", blocks_per_segment::text AS "Blocks per segment of large relation", wal_block_size::text AS "WAL block size", bytes_per_wal_segment::text AS "Bytes per WAL segment", max_identifier_length::text AS "Maximum length of identifiers" FROM pg_control_init()',
      )
      .catch(() => []);
    if (rows[0] || init[0]) {
      control = { ...rows[0], ...init[0] };
      source = 'pg_control_system() / pg_control_init()';
    }
  }
  return { major, arch, control, source };
}

export function planPreflight(f: PreflightFacts): ExecStep[] {
  const p = f.primary.config;
  const pn = p.name;
  const all = [f.primary, ...f.standbys];
  const steps: ExecStep[] = [];
  const sshNeeded = (s: NodeConfig) => !(s.transport === 'local' && p.transport === 'local');

  steps.push(
    check(
      pn,
      `${pn} runs as a primary and answers`,
      [{ node: pn, sql: 'SELECT pg_is_in_recovery()' }],
      async (rt) => {
        const r = await rt.session(pn).query<{ r: boolean }>('SELECT pg_is_in_recovery() AS r');
        return r[0]?.r
          ? {
              pass: false,
              lines: [],
              reason: `${pn} is in recovery (a standby): choose the primary as the node`,
            }
          : { pass: true, lines: [`${pn} accepts connections and is not in recovery`] };
      },
    ),
  );

  steps.push(
    check(
      pn,
      `Same PostgreSQL major version and architecture on ${all.map((n) => n.config.name).join(', ')}`,
      all.flatMap((n) => [
        { node: n.config.name, argv: [`${n.config.postgres.binDir}/postgres`, '--version'] },
        { node: n.config.name, argv: ['uname', '-m'] },
        n.tools.pg_controldata
          ? { node: n.config.name, argv: [n.tools.pg_controldata, '-D', n.config.postgres.dataDir] }
          : { node: n.config.name, sql: 'SELECT … FROM pg_control_system(), pg_control_init()' },
      ]),
      async (rt) => {
        const seen = await Promise.all(
          all.map(async (n) => ({ n: n.config.name, ...(await versionOf(rt, n)) })),
        );
        const lines = seen.map(
          (v) => `${v.n}: PostgreSQL ${v.major}, ${v.arch}, control data from ${v.source}`,
        );
        const ref = seen[0];
        if (!ref) return { pass: false, lines, reason: 'no node' };
        const bad: string[] = [];
        for (const v of seen.slice(1)) {
          if (v.major !== ref.major) bad.push(`${v.n} has PostgreSQL ${v.major}, ${ref.n} ${ref.major}`);
          if (v.arch !== ref.arch) bad.push(`${v.n} is ${v.arch}, ${ref.n} ${ref.arch}`);
          for (const k of CONTROL_KEYS)
            if (v.control[k] !== undefined && ref.control[k] !== undefined && v.control[k] !== ref.control[k])
              bad.push(`${k}: ${v.n} ${v.control[k]}, ${ref.n} ${ref.control[k]}`);
        }
        return bad.length === 0
          ? { pass: true, lines }
          : {
              pass: false,
              lines,
              reason: `${bad.join('; ')}: a physical copy runs only on the same major version and architecture`,
            };
      },
    ),
  );

  steps.push(
    check(
      pn,
      `rsync${f.standbys.some((s) => sshNeeded(s.config)) ? ' and ssh' : ''} installed on ${all.map((n) => n.config.name).join(', ')}`,
      all.flatMap((n) => [
        { node: n.config.name, argv: ['rsync', '--version'] },
        ...(sshNeeded(n.config) || n === f.primary ? [{ node: n.config.name, argv: ['ssh', '-V'] }] : []),
      ]),
      async (rt) => {
        const lines: string[] = [];
        const missing: string[] = [];
        for (const n of all) {
          const s = rt.session(n.config.name);
          const r = await run(s, ['rsync', '--version']);
          if (r.code === 0) lines.push(`${n.config.name}: ${r.out.split('\n')[0]}`);
          else missing.push(`rsync on ${n.config.name}`);
          if (f.standbys.some((x) => sshNeeded(x.config))) {
            const v = await run(s, ['ssh', '-V']);
            if (v.code === 0) lines.push(`${n.config.name}: ${v.out.split('\n')[0]}`);
            else missing.push(`ssh on ${n.config.name}`);
          }
        }
        return missing.length === 0
          ? { pass: true, lines }
          : {
              pass: false,
              lines,
              reason: `missing: ${missing.join(', ')} — install them (Debian: apt-get install rsync openssh-client openssh-server)`,
            };
      },
    ),
  );

  for (const sb of f.standbys) {
    const s = sb.config;
    const sn = s.name;
    const parent = s.postgres.dataDir.replace(/\/+$/, '').replace(/\/[^/]*$/, '') || '/';
    steps.push(
      check(
        sn,
        `Free disk on ${sn} ≥ ${pn}'s databases + 10 %`,
        [
          { node: pn, sql: 'SELECT sum(pg_database_size(oid)) FROM pg_database' },
          { node: sn, argv: ['df', '-P', '-B1', '--', parent] },
        ],
        async (rt) => {
          const size = Number(
            (
              await rt
                .session(pn)
                .query<{ b: string }>('SELECT sum(pg_database_size(oid))::bigint::text AS b FROM pg_database')
            )[0]?.b ?? 0,
          );
          const df = await run(rt.session(sn), ['df', '-P', '-B1', '--', parent]);
          const free = Number(df.out.split('\n').at(-1)?.split(/\s+/)[3]);
          const need = Math.ceil(size * 1.1);
          const lines = [
            `${pn}'s databases: ${formatBytes(size)}; free on ${sn} beside ${s.postgres.dataDir}: ${Number.isFinite(free) ? formatBytes(free) : 'unknown'}`,
          ];
          if (!Number.isFinite(free)) return { pass: false, lines, reason: `df on ${sn} failed: ${df.out}` };
          return free >= need
            ? { pass: true, lines }
            : {
                pass: false,
                lines,
                reason: `${sn} needs about ${formatBytes(need)} free beside its data directory (the old one is kept): free some space`,
              };
        },
      ),
    );
    const dir = s.archiveDir;
    const dirParent = dir ? dir.replace(/\/+$/, '').replace(/\/[^/]*$/, '') || '/' : '/';
    steps.push(
      check(
        sn,
        `Archive directory ${dir ?? '(none)'} on ${sn}: absent or empty, parent writable`,
        dir
          ? [
              { node: sn, argv: ['ls', '-A', '--', dir] },
              { node: sn, argv: ['test', '-w', dirParent] },
            ]
          : [],
        async (rt) => {
          if (!dir)
            return { pass: false, lines: [], reason: `${sn} has no archiveDir in walboard.yaml: add one` };
          const t = rt.session(sn).transport;
          const st = await t.stat(dir);
          const writable = (await run(rt.session(sn), ['test', '-w', dirParent])).code === 0;
          if (st === null)
            return writable
              ? {
                  pass: true,
                  lines: [
                    `${dir} does not exist yet; ${dirParent} is writable: configure-primary creates it`,
                  ],
                }
              : {
                  pass: false,
                  lines: [],
                  reason: `${dir} does not exist and ${dirParent} is not writable by the node user: create ${dir} for that user`,
                };
          if (st.type !== 'dir')
            return { pass: false, lines: [], reason: `${dir} exists and is not a directory` };
          const entries = await t.list(dir);
          if (entries.length === 0) return { pass: true, lines: [`${dir} exists and is empty`] };
          const ships =
            (
              await rt
                .session(pn)
                .query<{ c: string }>("SELECT current_setting('archive_command') AS c")
                .catch(() => [])
            )[0]?.c ?? '';
          if (ships.includes(dir))
            return {
              pass: true,
              lines: [
                `${dir} holds ${entries.length} files and ${pn}'s archive_command already ships there: set up before`,
              ],
            };
          return {
            pass: false,
            lines: [
              `${dir}: ${entries
                .slice(0, 5)
                .map((e) => e.name)
                .join(', ')}${entries.length > 5 ? ', …' : ''}`,
            ],
            reason: `${dir} on ${sn} is not empty (${entries.length} entries): it may hold another server's WAL; empty it or choose another archiveDir`,
          };
        },
      ),
    );
    steps.push(
      check(
        sn,
        `${sn} may create its new data directory beside ${s.postgres.dataDir}`,
        [{ node: sn, argv: ['test', '-w', parent] }],
        async (rt) =>
          (await run(rt.session(sn), ['test', '-w', parent])).code === 0
            ? { pass: true, lines: [`${parent} is writable by the node user`] }
            : {
                pass: false,
                lines: [],
                reason: `${parent} is not writable by the node user on ${sn}: base-backup builds the copy there and keeps the old one; chown it to that user`,
              },
      ),
    );
    const addr = peerAddress(p);
    const isready = sb.tools.pg_isready
      ? [sb.tools.pg_isready, '-h', addr, '-p', String(p.postgres.port), '-t', '5']
      : null;
    steps.push(
      check(
        sn,
        `${sn} reaches ${pn}'s PostgreSQL at ${addr}:${p.postgres.port}`,
        isready ? [{ node: sn, argv: isready }] : [],
        async (rt) => {
          if (!isready)
            return {
              pass: false,
              lines: [],
              reason: `${sn} has no pg_isready (a PostgreSQL client): install postgresql-client`,
            };
          const r = await run(rt.session(sn), isready);
          // 0: accepting, 1: rejecting (starting up) — both mean the port answers.
          return r.code === 0 || r.code === 1
            ? { pass: true, lines: [r.out] }
            : {
                pass: false,
                lines: [r.out],
                reason: `${sn} gets no answer from ${addr}:${p.postgres.port}: check listen_addresses on ${pn} (configure-primary sets it) and any firewall between them`,
              };
        },
      ),
    );
    const target = sshTargetOf(s);
    if (sshNeeded(s) && target) {
      const proof = f.primary.home ? sshProofArgv(f.primary.home, target) : null;
      steps.push(
        check(
          pn,
          `ssh from ${pn} to ${sn} without a password (or link-nodes can set it up)`,
          proof ? [{ node: pn, argv: proof }] : [],
          async (rt) => {
            if (!proof)
              return { pass: false, lines: [], reason: `the home directory of ${pn}'s node user is unknown` };
            const r = await run(rt.session(pn), proof);
            if (r.code === 0) return { pass: true, lines: [`${pn} → ${sn}: ssh works`] };
            const key = rt.session(sn).transport.verifiedHostKey?.() ?? null;
            const keygen = await run(rt.session(pn), ['ssh-keygen', '-?']);
            const plannable = key !== null && keygen.code !== 127 && keygen.code !== null;
            return plannable
              ? {
                  pass: true,
                  lines: [
                    `${pn} → ${sn}: not linked yet (${r.out.split('\n').at(-1)}); link-nodes sets it up with the host key walboard pinned for ${sn}`,
                  ],
                }
              : {
                  pass: false,
                  lines: [r.out],
                  reason:
                    key === null
                      ? `walboard has not verified ${sn}'s host key: pin it on the page first, so link-nodes can trust it`
                      : `ssh-keygen is missing on ${pn}: install openssh-client`,
                };
          },
        ),
      );
    } else if (!sshNeeded(s)) {
      steps.push(
        check(pn, `${pn} and ${sn} share this machine: no ssh needed`, [], async () => ({
          pass: true,
          lines: [
            `both are local nodes: archive_command copies to ${s.archiveDir ?? 'the archive directory'} with rsync directly`,
          ],
        })),
      );
    } else {
      steps.push(
        check(pn, `ssh from ${pn} to ${sn}`, [], async () => ({
          pass: false,
          lines: [],
          reason: `${sn} is a local node and ${pn} a remote one: ${pn} cannot reach it; describe ${sn} as an ssh node`,
        })),
      );
    }
  }
  return steps;
}

export const preflightOperation = defineOperation({
  type: 'preflight',
  gather: (req: OperationRequestOf<'preflight'>, reader) => readPreflightFacts(req, reader),
  plan: (req, facts, env) => {
    const steps = planPreflight(facts);
    const notes = ['Changes nothing: every check reads only, and all of them run even when one fails.'];
    return builtPlan(req, env, { steps, notes }, { destructive: false });
  },
});
