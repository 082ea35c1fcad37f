import type { LabActionRequest, LabActionResult } from '@walboard/shared/guide';
import type { NodeSession } from '../nodes/node-session.ts';
import { type Capabilities, capabilitiesFor } from '../postgres/capabilities.ts';

/** Stable codes of the journey's buttons (the page matches on these, never on message text). */
export const LabActionErrorCodes = {
  noCluster: 'WB_ERR_NO_CLUSTER',
  noNode: 'WB_ERR_NO_NODE',
  /** The node cannot be asked right now (down, starting, held by an operation). */
  nodeUnavailable: 'WB_ERR_NODE_UNAVAILABLE',
  /** The node is a standby: only a primary writes WAL of its own. */
  notPrimary: 'WB_ERR_NOT_PRIMARY',
  /** The node answered, but the write or the switch itself failed. */
  failed: 'WB_ERR_LAB_ACTION_FAILED',
} as const;

export class LabActionError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly node?: string,
  ) {
    super(message);
    this.name = 'LabActionError';
  }
}

/** The table the "write rows" button fills: walboard's own, so a student's tables are never touched. */
export const LAB_ROWS_TABLE = 'walboard_lab_rows';

const CREATE_TABLE = `CREATE TABLE IF NOT EXISTS ${LAB_ROWS_TABLE} (id bigserial primary key, note text, written_at timestamptz default now())`;
const INSERT_ROWS = `INSERT INTO ${LAB_ROWS_TABLE} (note) SELECT 'written by ' || $1::text || ' from walboard, row ' || g FROM generate_series(1, $2::int) AS g`;

function sessionOf(sessions: readonly NodeSession[], cluster: string, node: string): NodeSession {
  const inCluster = sessions.filter((s) => s.cluster === cluster);
  if (inCluster.length === 0)
    throw new LabActionError(404, LabActionErrorCodes.noCluster, `no cluster named "${cluster}"`);
  const s = inCluster.find((x) => x.name === node);
  if (!s)
    throw new LabActionError(
      404,
      LabActionErrorCodes.noNode,
      `no node "${node}" in cluster "${cluster}": choose one of ${inCluster.map((x) => x.name).join(', ')}`,
      node,
    );
  return s;
}

const messageOf = (err: unknown) => (err instanceof Error ? err.message : String(err));

/**
 * Asks the node whether it is a primary, on the same pool the action then uses. Capabilities come
 * from the server's own version number, so the function names fit the node whatever it runs.
 */
async function primaryCapabilities(s: NodeSession): Promise<Capabilities> {
  let row: { r: boolean; v: string } | undefined;
  try {
    [row] = await s.query<{ r: boolean; v: string }>(
      "SELECT pg_is_in_recovery() AS r, current_setting('server_version_num') AS v",
    );
  } catch (err) {
    throw new LabActionError(
      409,
      LabActionErrorCodes.nodeUnavailable,
      `${s.name} cannot be asked right now (${messageOf(err)}): start it, or wait until walboard shows it reachable, then try again`,
      s.name,
    );
  }
  if (!row)
    throw new LabActionError(409, LabActionErrorCodes.nodeUnavailable, `${s.name} gave no answer`, s.name);
  if (row.r)
    throw new LabActionError(
      409,
      LabActionErrorCodes.notPrimary,
      `${s.name} is a standby (in recovery): it only replays WAL it receives. Write rows or switch the WAL segment on its primary instead`,
      s.name,
    );
  return capabilitiesFor(Number(row.v));
}

async function currentLsn(s: NodeSession, caps: Capabilities): Promise<string> {
  const [row] = await s.query<{ lsn: string }>(`SELECT ${caps.fn.currentLsn}()::text AS lsn`);
  if (!row) throw new Error('no LSN returned');
  return row.lsn;
}

/**
 * Runs one button of the WAL journey on a primary: write `rows` rows in one statement (the LSN
 * moves inside the current segment), or close the current segment with the switch function (it
 * goes to the archive). Refuses a standby and a node that cannot be asked, naming it.
 */
export async function runLabAction(
  sessions: readonly NodeSession[],
  cluster: string,
  request: LabActionRequest,
  by: { username: string },
): Promise<LabActionResult> {
  const s = sessionOf(sessions, cluster, request.node);
  const caps = await primaryCapabilities(s);
  const failed = (what: string, err: unknown) =>
    new LabActionError(
      409,
      LabActionErrorCodes.failed,
      `${what} on ${s.name} failed: ${messageOf(err)}. Look at ${s.name}'s server log, then try again`,
      s.name,
    );
  if (request.action === 'write-rows') {
    try {
      await s.query(CREATE_TABLE);
      await s.query(INSERT_ROWS, [by.username, request.rows]);
      return { node: s.name, lsn: await currentLsn(s, caps), rows: request.rows };
    } catch (err) {
      throw failed(`writing ${request.rows} rows into ${LAB_ROWS_TABLE}`, err);
    }
  }
  try {
    // The write position before the switch: when nothing was written since the last switch the
    // server closes nothing and answers exactly this position; any switch writes past it.
    const before = await currentLsn(s, caps);
    const [switched] = await s.query<{ lsn: string }>(`SELECT ${caps.fn.switchWal}()::text AS lsn`);
    if (!switched) throw new Error('no LSN returned');
    let closedSegment: string | null = null;
    if (switched.lsn !== before) {
      // The switch answers the end of the segment it closed: that position names the segment.
      const [named] = await s.query<{ segment: string }>(
        `SELECT ${caps.fn.walfileName}($1::${caps.lsnType}) AS segment`,
        [switched.lsn],
      );
      closedSegment = named?.segment ?? null;
    }
    return { node: s.name, lsn: await currentLsn(s, caps), closedSegment };
  } catch (err) {
    throw failed(`switching the WAL segment (${caps.fn.switchWal})`, err);
  }
}
