import { basename, dirname } from 'node:path';
import type { OperationRequest } from '@walboard/shared/operations';
import type { NodeSession } from '../nodes/node-session.ts';
import { TransportError } from '../nodes/transport.ts';
import { type Capabilities, capabilitiesFor } from '../postgres/capabilities.ts';
import { pgCtlArgv } from '../postgres/pg-ctl.ts';
import type { FileSnapshot, PlanContext } from './plan-types.ts';
import { archiveDirFor, filesToRead } from './plans.ts';

/** Reading the node failed (link down, permission): carries the node and what to try. */
export class NodeFactsError extends Error {
  constructor(
    readonly node: string,
    message: string,
  ) {
    super(message);
    this.name = 'NodeFactsError';
  }
}

/** Reads a file, or null when it does not exist; other failures say which file on which node. */
export async function readSnapshot(session: NodeSession, path: string): Promise<FileSnapshot | null> {
  try {
    const [buf, st] = await Promise.all([session.transport.readFile(path), session.transport.stat(path)]);
    return { text: buf.toString('utf8'), mode: (st?.mode ?? 0o600) & 0o777 };
  } catch (err) {
    if (err instanceof TransportError && err.code === 'not-found') return null;
    throw new NodeFactsError(
      session.name,
      `cannot read ${path} on ${session.name}: ${(err as Error).message}; check that the node user may read it`,
    );
  }
}

/** "15" → 150000, "9.1" → 90100: the data directory's PG_VERSION as a server_version_num. */
export function versionNumFromPgVersion(text: string): number | null {
  const m = /^(\d+)(?:\.(\d+))?\s*$/.exec(text);
  if (!m) return null;
  return Number(m[1]) * 10000 + Number(m[2] ?? 0) * 100;
}

async function isRunning(session: NodeSession): Promise<boolean> {
  const pgc = session.config.postgres;
  try {
    const r = await session.transport.exec(
      pgCtlArgv({ binDir: pgc.binDir, dataDir: pgc.dataDir }, 'status'),
      {
        timeoutMs: 15_000,
      },
    );
    return r.code === 0;
  } catch (err) {
    throw new NodeFactsError(
      session.name,
      `cannot ask ${session.name} whether PostgreSQL runs (pg_ctl status): ${(err as Error).message}`,
    );
  }
}

async function capabilitiesOf(session: NodeSession, running: boolean): Promise<Capabilities | null> {
  if (session.capabilities) return session.capabilities;
  if (running) {
    try {
      const rows = await session.query<{ v: string }>("SELECT current_setting('server_version_num') AS v");
      return capabilitiesFor(Number(rows[0]?.v));
    } catch {
      // Fall through to PG_VERSION: the server may be starting, or refusing this login.
    }
  }
  const pgv = await readSnapshot(session, `${session.config.postgres.dataDir}/PG_VERSION`).catch(() => null);
  const num = pgv ? versionNumFromPgVersion(pgv.text) : null;
  try {
    return num === null ? null : capabilitiesFor(num);
  } catch {
    return null;
  }
}

async function entryType(session: NodeSession, path: string): Promise<PlanContext['pathType']> {
  try {
    const entries = await session.transport.list(dirname(path));
    return entries.find((e) => e.name === basename(path))?.type ?? null;
  } catch (err) {
    if (err instanceof TransportError && err.code === 'not-found') return null;
    throw new NodeFactsError(
      session.name,
      `cannot look at ${dirname(path)} on ${session.name}: ${(err as Error).message}`,
    );
  }
}

/** Everything a plan for `req` needs to know about the node, read without changing anything. */
export async function gatherPlanContext(
  cluster: string,
  session: NodeSession,
  req: OperationRequest,
  now = new Date(),
): Promise<PlanContext> {
  const running = await isRunning(session);
  const caps = await capabilitiesOf(session, running);
  const base = { cluster, node: session.config, caps, running, now };
  const files = new Map<string, FileSnapshot | null>();
  for (const path of filesToRead(req, base)) files.set(path, await readSnapshot(session, path));
  const ctx: PlanContext = { ...base, files };
  if (req.type === 'prepare-archive-dir') {
    const path = req.params.path ?? session.config.archiveDir;
    // Only look once the path passed the plan's own checks: never list folders it would refuse.
    if (path) {
      archiveDirFor(req, ctx);
      ctx.pathType = await entryType(session, path);
    }
  }
  return ctx;
}
