// A planned switchover on two PostgreSQL 15 hosts under a counting writer: every transaction the
// writer saw commit is on the new primary afterwards, the old primary streams from the new one,
// and the write outage and total time are measured. Then the fault: the primary's host cut off
// the network — walboard refuses, promotes nothing, says what to do, and all is well once the
// host is back.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Operation } from '@walboard/shared/operations';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type HostInfo, isolate, psql, rejoin, startPg } from '../hosts/harness.ts';
import {
  getOperation,
  planOperation,
  runOperation,
  startOperation,
  whyFailed,
} from '../support/operations-api.ts';
import { type WalboardOnHosts, waitForNodesUp, walboardOnHosts } from '../support/walboard-on-hosts.ts';

/**
 * A client as an application would run it: INSERT after INSERT, each its own transaction, on
 * whichever host takes writes (h1, then h2 — what a host list with target_session_attrs=read-write
 * does), reconnecting after any error. An id counts as committed only when COMMIT answered.
 */
function countingWriter(hosts: HostInfo[], password: string) {
  const committed: { id: number; at: number }[] = [];
  let running = true;
  let next = 1;
  let client: pg.Client | null = null;
  const connect = async (): Promise<pg.Client | null> => {
    for (const h of hosts) {
      const c = new pg.Client({
        host: h.ip,
        port: h.pg.port,
        user: 'postgres',
        password,
        database: 'postgres',
        connectionTimeoutMillis: 1000,
      });
      c.on('error', () => {});
      try {
        await c.connect();
        const r = await c.query<{ r: boolean }>('SELECT pg_is_in_recovery() AS r');
        if (r.rows[0]?.r === false) return c;
      } catch {
        // not reachable or not up: the next host
      }
      await c.end().catch(() => {});
    }
    return null;
  };
  const loop = (async () => {
    while (running) {
      if (!client) {
        client = await connect();
        if (!client) {
          await new Promise((r) => setTimeout(r, 5));
          continue;
        }
      }
      const id = next++;
      try {
        await client.query('INSERT INTO sw_rows (id) VALUES ($1)', [id]);
        committed.push({ id, at: Date.now() });
      } catch {
        await client.end().catch(() => {});
        client = null;
      }
    }
    await (client as pg.Client | null)?.end().catch(() => {});
  })();
  return {
    committed,
    stop: async () => {
      running = false;
      await loop;
    },
  };
}

/** Longest time between two commits the writer saw inside [from, to]. */
function longestGap(commits: { at: number }[], from: number, to: number): number {
  const at = commits.map((c) => c.at).filter((t) => t >= from - 1000 && t <= to + 1000);
  let gap = 0;
  for (let i = 1; i < at.length; i++) gap = Math.max(gap, (at[i] as number) - (at[i - 1] as number));
  return gap;
}

async function waitFor<T>(
  what: string,
  probe: () => Promise<T | null>,
  ms = 20_000,
  everyMs = 50,
): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const v = await probe().catch(() => null);
    if (v !== null) return v;
    if (Date.now() > until) throw new Error(`${what}: not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

describe('switchover on PostgreSQL 15: h2 becomes the primary, h1 its standby, nothing lost', () => {
  let t: WalboardOnHosts;
  let h1: HostInfo;
  let h2: HostInfo;

  beforeAll(async () => {
    t = await walboardOnHosts({ versions: [15, 15], bare: true });
    h1 = t.run.hosts[0] as HostInfo;
    h2 = t.run.hosts[1] as HostInfo;
    await waitForNodesUp(t.wb);
    const op = await runOperation(t.wb, {
      type: 'setup-replication',
      node: 'h1',
      params: { standbys: ['h2'] },
    });
    expect(op.state, whyFailed(op)).toBe('succeeded');
    await psql(t.run, 'h1', 'CREATE TABLE sw_rows (id int PRIMARY KEY, at timestamptz DEFAULT now())');
  }, 120_000);
  afterAll(async () => t?.close());

  it('refuses from the primary and plans the phases from the standby', async () => {
    const res = await startOperation(t.wb, { type: 'switchover', node: 'h1', dryRun: true });
    expect(res.status).toBe(422);
    expect(await res.text()).toMatch(/h1 is not in recovery/);
    const plan = await planOperation(t.wb, { type: 'switchover', node: 'h2' });
    expect(plan.destructive).toBe(true);
    expect(plan.phases?.map((p) => p.id)).toEqual(['prepare', 'stop-writes', 'verify', 'promote', 'rejoin']);
    const unconfirmed = await startOperation(t.wb, { type: 'switchover', node: 'h2', confirm: false });
    expect(unconfirmed.status).toBe(409);
  });

  it('fault: h1 isolated — refused, nothing promoted, the message says what to do; healed by rejoin', async () => {
    await isolate(t.run, h1);
    try {
      const res = await startOperation(t.wb, { type: 'switchover', node: 'h2' });
      const text = await res.text();
      expect(res.status, text).toBe(422);
      expect(text).toMatch(/h1 \(the primary h2 streams from\) cannot be reached/);
      expect(text).toMatch(/Nothing was changed/);
      expect(text).toMatch(/promote on h2 instead/);
      expect((await psql<{ r: boolean }>(t.run, 'h2', 'SELECT pg_is_in_recovery() AS r'))[0]?.r).toBe(true);
    } finally {
      await rejoin(t.run, h1);
    }
    expect((await psql<{ r: boolean }>(t.run, 'h1', 'SELECT pg_is_in_recovery() AS r'))[0]?.r).toBe(false);
    // walboard's own link to h1 timed out during the cut and reconnects by itself: once it has,
    // the same switchover plans again without a refusal.
    await waitFor(
      'walboard plans the switchover again',
      () => planOperation(t.wb, { type: 'switchover', node: 'h2' }).then(() => true),
      45_000,
      500,
    );
    await psql(t.run, 'h1', 'INSERT INTO sw_rows (id) VALUES (-1)');
    await waitFor('row -1 on h2', async () =>
      (await psql<{ n: string }>(t.run, 'h2', 'SELECT count(*)::text AS n FROM sw_rows WHERE id = -1'))[0]
        ?.n === '1'
        ? true
        : null,
    );
  });

  it('swaps the roles under a counting writer: every committed id is on h2, h1 streams from h2', async () => {
    const writer = countingWriter([h1, h2], h1.pg.password);
    await waitFor('the writer commits', async () => (writer.committed.length > 50 ? true : null));
    const posted = Date.now();
    const res = await startOperation(t.wb, { type: 'switchover', node: 'h2' });
    const text = await res.text();
    expect(res.status, text).toBe(202);
    const { id } = JSON.parse(text) as { id: string };
    let op: Operation = await getOperation(t.wb, id);
    while (op.state === 'running') {
      await new Promise((r) => setTimeout(r, 20));
      op = await getOperation(t.wb, id);
    }
    const seenDone = Date.now();
    // Writes continue on h2 for a moment after the end.
    await new Promise((r) => setTimeout(r, 300));
    await writer.stop();
    expect(op.state, whyFailed(op)).toBe('succeeded');

    const started = Date.parse(op.createdAt);
    const finished = Date.parse(op.finishedAt as string);
    const writeOutageMs = longestGap(writer.committed, posted, seenDone);
    const phaseMs = Object.fromEntries(
      (op.phases ?? []).map((p) => {
        const steps = op.steps.filter((s) => s.phase === p.id);
        const a = Math.min(...steps.map((s) => Date.parse(s.startedAt as string)));
        const b = Math.max(...steps.map((s) => Date.parse(s.finishedAt as string)));
        return [p.id, b - a];
      }),
    );
    console.log(
      `switchover: writeOutageMs=${writeOutageMs} doneMs=${finished - posted} (planned in ${started - posted} ms, ran ${finished - started} ms) commits=${writer.committed.length} phases=${JSON.stringify(phaseMs)}`,
    );
    expect(op.steps.every((s) => s.startedAt && s.finishedAt)).toBe(true);

    // Every id whose COMMIT the writer saw is on the new primary (the test's own SQL).
    expect((await psql<{ r: boolean }>(t.run, 'h2', 'SELECT pg_is_in_recovery() AS r'))[0]?.r).toBe(false);
    const ids = new Set(
      (await psql<{ id: number }>(t.run, 'h2', 'SELECT id FROM sw_rows', [])).map((r) => r.id),
    );
    const lost = writer.committed.filter((c) => !ids.has(c.id)).map((c) => c.id);
    expect(lost).toEqual([]);
    expect(writer.committed.some((c) => c.at > finished)).toBe(true);

    // h1 is a standby streaming from h2, and a row written on h2 now reaches it.
    const rcv = await psql<{ r: boolean; status: string; host: string }>(
      t.run,
      'h1',
      'SELECT pg_is_in_recovery() AS r, status, sender_host AS host FROM pg_stat_wal_receiver',
    );
    expect(rcv[0]).toMatchObject({ r: true, status: 'streaming', host: h2.ip });
    await psql(t.run, 'h2', 'INSERT INTO sw_rows (id) VALUES (-2)');
    await waitFor('row -2 on h1', async () =>
      (await psql<{ n: string }>(t.run, 'h1', 'SELECT count(*)::text AS n FROM sw_rows WHERE id = -2'))[0]
        ?.n === '1'
        ? true
        : null,
    );
    expect(op.promotion?.timeline).toBe(2);
  });

  it('fault: the primary (h2) cut off while it shuts down — nothing promoted, a clear message; healed', async () => {
    const res = await startOperation(t.wb, { type: 'switchover', node: 'h1' });
    const text = await res.text();
    expect(res.status, text).toBe(202);
    const { id } = JSON.parse(text) as { id: string };
    let op: Operation = await getOperation(t.wb, id);
    while (
      op.state === 'running' &&
      !op.steps.some((s) => s.phase === 'stop-writes' && s.state !== 'pending')
    ) {
      await new Promise((r) => setTimeout(r, 10));
      op = await getOperation(t.wb, id);
    }
    await isolate(t.run, h2);
    try {
      while (op.state === 'running') {
        await new Promise((r) => setTimeout(r, 100));
        op = await getOperation(t.wb, id);
      }
      console.log(`switchover with h2 cut off: ${op.state}: ${op.message}`);
      expect(op.state).toBe('failed');
      expect(op.message).toMatch(/Nothing was promoted|was NOT promoted/);
      expect(op.message).toMatch(/h2/);
      expect(op.nextAction).toBeTruthy();
      expect(op.steps.find((s) => s.phase === 'promote')?.state).toBe('skipped');
      // No second primary: h1 is still a standby.
      expect((await psql<{ r: boolean }>(t.run, 'h1', 'SELECT pg_is_in_recovery() AS r'))[0]?.r).toBe(true);
    } finally {
      await rejoin(t.run, h2);
    }
    // What the message says to do: find out whether h2 runs; if it stopped, start it — it is
    // still the primary. (Its fast shutdown waits for h1 to confirm the last WAL: it ends only
    // once the link is back.)
    const state = await waitFor(
      'h2 runs, or finished its shutdown',
      async () => {
        if (!existsSync(join(h2.pg.dataDir, 'postmaster.pid'))) return 'stopped';
        return psql(t.run, 'h2', 'SELECT 1', [], { connectTimeoutMs: 1000 }).then(
          () => 'running',
          () => null,
        );
      },
      90_000,
      200,
    );
    if (state === 'stopped') await startPg(t.run, h2);
    expect((await psql<{ r: boolean }>(t.run, 'h2', 'SELECT pg_is_in_recovery() AS r'))[0]?.r).toBe(false);
    await psql(t.run, 'h2', 'INSERT INTO sw_rows (id) VALUES (-3)');
    await waitFor(
      'row -3 on h1',
      async () =>
        (await psql<{ n: string }>(t.run, 'h1', 'SELECT count(*)::text AS n FROM sw_rows WHERE id = -3'))[0]
          ?.n === '1'
          ? true
          : null,
      30_000,
    );
  });
});
