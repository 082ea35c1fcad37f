import { absolutePathSchema } from '@walboard/shared/config';
import type { NodeSession } from '../nodes/node-session.ts';
import { type ExecResult, type FileEntry, TransportError } from '../nodes/transport.ts';
import { type Capabilities, capabilitiesFor } from '../postgres/capabilities.ts';
import {
  type ClientTools,
  DEBIAN_PG_ROOT,
  type InstalledBin,
  parseInstalledBins,
  resolveClientTools,
} from '../postgres/client-tools.ts';
import { pgCtlArgv } from '../postgres/pg-ctl.ts';
import { NodeFactsError, versionNumFromPgVersion } from './node-facts.ts';
import { OperationError, OperationErrorCodes } from './operation-errors.ts';
import type { FileSnapshot } from './plan-types.ts';

const FACT_TIMEOUT_MS = 15_000;

/** A node's server as walboard sees it before planning. */
export interface ServerFacts {
  running: boolean;
  caps: Capabilities | null;
  /** null when not running, or when the server would not answer a query. */
  inRecovery: boolean | null;
  /** Why a running server did not answer (login refused, starting up…). */
  queryError: string | null;
}

/**
 * Reads (never changes) what plans need to know about the nodes of one cluster. Each fact is read
 * at most once per plan, and independent reads run side by side. Failures of the link itself are
 * NodeFactsError (the node cannot be asked); a node the request names that is not configured is
 * a 404 OperationError.
 */
export class ClusterReader {
  private readonly memo = new Map<string, Promise<unknown>>();

  constructor(
    readonly cluster: string,
    private readonly sessions: readonly NodeSession[],
    readonly now: Date,
  ) {}

  /** The cluster's node names, in walboard.yaml order. */
  nodeNames(): string[] {
    return this.sessions.filter((s) => s.cluster === this.cluster).map((s) => s.name);
  }

  session(node: string): NodeSession {
    const inCluster = this.sessions.filter((s) => s.cluster === this.cluster);
    if (inCluster.length === 0)
      throw new OperationError(404, OperationErrorCodes.noCluster, `no cluster named "${this.cluster}"`);
    const s = inCluster.find((x) => x.name === node);
    if (!s)
      throw new OperationError(
        404,
        OperationErrorCodes.noNode,
        `no node "${node}" in cluster "${this.cluster}": choose one of ${inCluster.map((x) => x.name).join(', ')}`,
        node,
      );
    return s;
  }

  private once<T>(key: string, read: () => Promise<T>): Promise<T> {
    let p = this.memo.get(key) as Promise<T> | undefined;
    if (!p) {
      p = read();
      this.memo.set(key, p);
    }
    return p;
  }

  /** Runs a read-only command; a link failure is a NodeFactsError, a non-zero exit a result. */
  exec(node: string, argv: readonly string[], timeoutMs = FACT_TIMEOUT_MS): Promise<ExecResult> {
    const s = this.session(node);
    return this.once(`exec\0${node}\0${argv.join('\0')}`, async () => {
      try {
        return await s.transport.exec(argv, { timeoutMs });
      } catch (err) {
        if (err instanceof TransportError && err.code === 'command-failed')
          return { code: 127, signal: null, stdout: '', stderr: err.message };
        throw new NodeFactsError(node, `cannot ask ${node} (${argv[0]}): ${(err as Error).message}`);
      }
    });
  }

  /** One statement on the node; errors say which node and why. */
  async query<R extends Record<string, unknown>>(
    node: string,
    sql: string,
    params: unknown[] = [],
  ): Promise<R[]> {
    const s = this.session(node);
    try {
      return await s.query<R>(sql, params);
    } catch (err) {
      throw new NodeFactsError(node, `cannot query ${node}: ${(err as Error).message}`);
    }
  }

  /** A file, or null when it does not exist. */
  file(node: string, path: string): Promise<FileSnapshot | null> {
    const s = this.session(node);
    return this.once(`file\0${node}\0${path}`, async () => {
      try {
        const [buf, st] = await Promise.all([s.transport.readFile(path), s.transport.stat(path)]);
        return { text: buf.toString('utf8'), mode: (st?.mode ?? 0o600) & 0o777 };
      } catch (err) {
        if (err instanceof TransportError && err.code === 'not-found') return null;
        throw new NodeFactsError(
          node,
          `cannot read ${path} on ${node}: ${(err as Error).message}; check that the node user may read it`,
        );
      }
    });
  }

  /** Entries of a directory (symlinks not followed), or null when it does not exist. */
  entries(node: string, dir: string): Promise<FileEntry[] | null> {
    const s = this.session(node);
    return this.once(`list\0${node}\0${dir}`, async () => {
      try {
        return await s.transport.list(dir);
      } catch (err) {
        if (err instanceof TransportError && err.code === 'not-found') return null;
        throw new NodeFactsError(node, `cannot list ${dir} on ${node}: ${(err as Error).message}`);
      }
    });
  }

  /** Type of whatever is at `path` (symlinks not followed), null when nothing. */
  async pathType(node: string, path: string): Promise<FileEntry['type'] | null> {
    const parent = path.replace(/\/+$/, '').replace(/\/[^/]*$/, '') || '/';
    const name = path.replace(/\/+$/, '').split('/').pop() ?? '';
    return (await this.entries(node, parent))?.find((e) => e.name === name)?.type ?? null;
  }

  /** Whether the node user may create entries in `dir` (test -w). */
  async writable(node: string, dir: string): Promise<boolean> {
    return (await this.exec(node, ['test', '-w', dir, '-a', '-d', dir])).code === 0;
  }

  /** The node user's home directory, checked like every path walboard hands to a command. */
  home(node: string): Promise<string> {
    return this.once(`home\0${node}`, async () => {
      const r = await this.exec(node, ['printenv', 'HOME']);
      const home = r.stdout.trim();
      const ok = absolutePathSchema.safeParse(home);
      if (r.code !== 0 || !ok.success)
        throw new NodeFactsError(
          node,
          `cannot tell the home directory of the node user on ${node} (printenv HOME gave ${JSON.stringify(home)}): walboard keeps ssh keys and .pgpass there`,
        );
      return ok.data;
    });
  }

  /** Whether PostgreSQL runs, its version, and whether it is in recovery. */
  server(node: string): Promise<ServerFacts> {
    const s = this.session(node);
    return this.once(`server\0${node}`, async () => {
      const pgc = s.config.postgres;
      const st = await this.exec(node, pgCtlArgv({ binDir: pgc.binDir, dataDir: pgc.dataDir }, 'status'));
      const running = st.code === 0;
      let caps = s.capabilities;
      let inRecovery: boolean | null = null;
      let queryError: string | null = null;
      if (running) {
        try {
          const rows = await s.query<{ v: string; r: boolean }>(
            "SELECT current_setting('server_version_num') AS v, pg_is_in_recovery() AS r",
          );
          caps ??= capabilitiesFor(Number(rows[0]?.v));
          inRecovery = rows[0]?.r ?? null;
        } catch (err) {
          queryError = (err as Error).message;
        }
      }
      if (!caps) {
        const pgv = await this.file(node, `${pgc.dataDir}/PG_VERSION`).catch(() => null);
        const num = pgv ? versionNumFromPgVersion(pgv.text) : null;
        try {
          caps = num === null ? null : capabilitiesFor(num);
        } catch {
          caps = null;
        }
      }
      return { running, caps, inRecovery, queryError };
    });
  }

  /** The major version of the binaries in the node's binDir (`postgres --version`), null if unknown. */
  binMajor(node: string): Promise<number | null> {
    const s = this.session(node);
    return this.once(`binmajor\0${node}`, async () => {
      const r = await this.exec(node, [`${s.config.postgres.binDir}/postgres`, '--version']);
      const m = /\(PostgreSQL\)\s+(\d+)(?:\.(\d+))?/.exec(r.stdout);
      if (r.code !== 0 || !m) return null;
      const major = Number(m[1]);
      // 9.x majors are "9.6" (as Capabilities.major), 10+ a single number.
      return major >= 10 ? major : Number(`${m[1]}.${m[2] ?? 0}`);
    });
  }

  /** Where the node's PostgreSQL client programs are (its binDir first, else /usr/lib/postgresql). */
  tools(node: string, serverMajor: number): Promise<ClientTools> {
    const s = this.session(node);
    return this.once(`tools\0${node}\0${serverMajor}`, async () => {
      const binDir = s.config.postgres.binDir;
      const own = await this.entries(node, binDir);
      const found = await this.exec(node, [
        'find',
        DEBIAN_PG_ROOT,
        '-mindepth',
        '3',
        '-maxdepth',
        '3',
        '-path',
        `${DEBIAN_PG_ROOT}/*/bin/*`,
      ]);
      const ownBin: InstalledBin = {
        dir: binDir,
        major: null,
        files: new Set((own ?? []).map((e) => e.name)),
      };
      const others = parseInstalledBins(found.stdout.split('\n')).filter((b) => b.dir !== binDir);
      return resolveClientTools(ownBin, others, serverMajor);
    });
  }

  /**
   * The database system identifier in the data directory's global/pg_control (its first field on
   * every version), read from the file so that it works with the server stopped and without
   * pg_controldata. null when there is no control file.
   */
  systemId(node: string): Promise<string | null> {
    const s = this.session(node);
    return this.once(`sysid\0${node}`, async () => {
      try {
        const buf = await s.transport.readFile(`${s.config.postgres.dataDir}/global/pg_control`);
        return buf.length >= 8 ? buf.readBigUInt64LE(0).toString() : null;
      } catch (err) {
        if (err instanceof TransportError && err.code === 'not-found') return null;
        throw new NodeFactsError(node, `cannot read the control file of ${node}: ${(err as Error).message}`);
      }
    });
  }

  /**
   * Where a standby streams from now (pg_stat_wal_receiver: sender host/port on 11+, conninfo on
   * 10), null when it is not streaming or not a standby.
   */
  upstream(node: string): Promise<{ host: string; port: number; status: string } | null> {
    return this.once(`upstream\0${node}`, async () => {
      const server = await this.server(node);
      if (!server.inRecovery || !server.caps?.walReceiver) return null;
      const cols = server.caps.walReceiver.hasSenderHost
        ? 'sender_host AS host, sender_port AS port'
        : 'NULL::text AS host, NULL::int AS port';
      const rows = await this.query<{
        status: string;
        host: string | null;
        port: number | null;
        conninfo: string | null;
      }>(node, `SELECT status, ${cols}, conninfo FROM pg_stat_wal_receiver`);
      const r = rows[0];
      if (!r) return null;
      const fromConninfo = (key: string) =>
        new RegExp(`(?:^|\\s)${key}=(\\S+)`).exec(r.conninfo ?? '')?.[1] ?? null;
      const host = r.host ?? fromConninfo('host');
      const port = r.port ?? Number(fromConninfo('port') ?? 5432);
      return host ? { host, port, status: r.status } : null;
    });
  }

  /** Machine architecture (uname -m). */
  arch(node: string): Promise<string | null> {
    return this.once(`arch\0${node}`, async () => {
      const r = await this.exec(node, ['uname', '-m']);
      return r.code === 0 ? r.stdout.trim() : null;
    });
  }

  /** Bytes free for the node user in the file system holding `dir` (df), null if unknown. */
  async freeBytes(node: string, dir: string): Promise<number | null> {
    const r = await this.exec(node, ['df', '-P', '-B1', '--', dir]);
    const last = r.stdout.trim().split('\n').at(-1)?.split(/\s+/);
    const avail = Number(last?.[3]);
    return r.code === 0 && Number.isFinite(avail) ? avail : null;
  }

  /** rsync's version on the node ("3.2.7"), null when rsync is missing. */
  rsyncVersion(node: string): Promise<string | null> {
    return this.once(`rsync\0${node}`, async () => {
      const r = await this.exec(node, ['rsync', '--version']);
      return r.code === 0 ? (/version\s+(\d+\.\d+\.\d+)/.exec(r.stdout)?.[1] ?? null) : null;
    });
  }
}
