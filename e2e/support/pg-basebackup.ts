// The plain way to make a hot standby on test hosts of the machine's version (15): empty the
// standby's data dir, `pg_basebackup -R` from the primary, start. (Other versions: replication.ts.)
import { type HostInfo, type HostsRun, runOnHost, startPg, stopPg } from '../hosts/harness.ts';

/** Turns `standby` into a streaming hot standby of `primary` with pg_basebackup -X stream -R. */
export async function cloneWithBasebackup(
  run: HostsRun,
  primary: HostInfo,
  standby: HostInfo,
): Promise<void> {
  await stopPg(run, standby);
  await runOnHost(run, standby, ['find', standby.pg.dataDir, '-mindepth', '1', '-delete'], {
    asUser: 'postgres',
  });
  await runOnHost(
    run,
    standby,
    [
      `${standby.pg.binDir}/pg_basebackup`,
      ...['-h', primary.ip, '-U', 'postgres', '-D', standby.pg.dataDir],
      ...['-X', 'stream', '-R', '-c', 'fast'],
    ],
    { asUser: 'postgres', env: { PGPASSWORD: primary.pg.password }, timeoutMs: 120_000 },
  );
  await startPg(run, standby);
}
