// The bench's cluster: N test hosts (namespaces with their own sshd and PostgreSQL), h1 the
// primary, every other host a hot standby of it cloned the plain way (pg_basebackup -R).
import { type HostInfo, type HostsRun, psql, startPg, stopPg, up } from '../e2e/hosts/harness.ts';
import { PgClient } from '../e2e/support/bench-deps.ts';
import { cloneWithBasebackup } from '../e2e/support/pg-basebackup.ts';

export const CLUSTER = 'lab';

/** Up N hosts on PostgreSQL 15; h2..hN stream from h1. Caller owns `down(run)`. */
export async function upCluster(nodes: number, onRun: (run: HostsRun) => void): Promise<HostsRun> {
  const run = await up(
    nodes,
    Array.from({ length: nodes }, () => 15),
  );
  onRun(run);
  const [primary, ...standbys] = run.hosts;
  if (!primary) throw new Error('the harness created no host');
  await psql(run, primary, 'CREATE TABLE IF NOT EXISTS bench_rows (id bigserial PRIMARY KEY, note text)');
  // pg_stat_statements counts every statement a node runs, at once (pg_stat_database's counters
  // of a busy backend are flushed only now and then): the per-node query count comes from it.
  // Set before the clones, so the standbys load it too.
  await psql(run, primary, "ALTER SYSTEM SET shared_preload_libraries = 'pg_stat_statements'");
  await stopPg(run, primary);
  await startPg(run, primary);
  await psql(run, primary, 'CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
  for (const s of standbys) await cloneWithBasebackup(run, primary, s);
  // Wait until every standby streams: the measurements start from a healthy cluster.
  for (let i = 0; ; i++) {
    const rows = await psql<{ n: string }>(
      run,
      primary,
      "SELECT count(*)::text AS n FROM pg_stat_replication WHERE state = 'streaming'",
    );
    if (Number(rows[0]?.n) >= standbys.length) break;
    if (i > 100) throw new Error(`the standbys of ${primary.name} are not streaming after 10 s`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return run;
}

/** A persistent superuser connection to a host's PostgreSQL over its own IP (not through walboard). */
export async function connectPg(host: HostInfo): Promise<InstanceType<typeof PgClient>> {
  const c = new PgClient({
    host: host.ip,
    port: host.pg.port,
    user: host.pg.superuser,
    password: host.pg.password,
    database: 'postgres',
    application_name: 'walboard-bench',
  });
  await c.connect();
  return c;
}

/** The primary's current WAL write position, "X/Y". */
export async function currentLsn(c: InstanceType<typeof PgClient>): Promise<string> {
  const r = await c.query<{ lsn: string }>('SELECT pg_current_wal_lsn()::text AS lsn');
  const lsn = r.rows[0]?.lsn;
  if (!lsn) throw new Error('pg_current_wal_lsn() returned nothing');
  return lsn;
}
