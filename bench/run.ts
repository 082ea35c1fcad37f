// `pnpm bench`: figures measured on real servers, printed and written to bench/results.json.
// This first version measures the cost of one status poll, the controller's hottest path, against
// the way to avoid (a new connection per poll). Plain figures: shared/docs/performance-anchors.md.
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { createOrReuseLab } from '../apps/server/src/lab/create-lab.ts';
import { buildSessions } from '../apps/server/src/nodes/registry.ts';
import { nodeStatusSql } from '../apps/server/src/postgres/status-sql.ts';

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => resolve(typeof a === 'object' && a ? a.port : 0));
    });
  });

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return Number((s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? 0).toFixed(3));
};

async function main() {
  const dir = await mkdtemp('/var/tmp/walboard-bench-');
  await chmod(dir, 0o755);
  const lab = await createOrReuseLab({ dir: join(dir, 'lab'), ports: [await freePort(), await freePort()] });
  try {
    const [session] = await buildSessions(lab.config, lab.env);
    if (!session) throw new Error('the lab has no node');
    const opts = { connectTimeoutMs: 5000, queryTimeoutMs: 5000, applicationName: 'walboard-bench' };
    const conn = await session.connect(opts);
    const caps = session.capabilities;
    if (!caps) throw new Error('no capabilities');
    const q = { name: 'walboard_status', text: nodeStatusSql(caps) };
    for (let i = 0; i < 200; i++) await conn.query(q); // warm-up
    const persistent: number[] = [];
    for (let i = 0; i < 3000; i++) {
      const t = performance.now();
      await conn.query(q);
      persistent.push(performance.now() - t);
    }
    conn.close();
    const fresh: number[] = [];
    for (let i = 0; i < 60; i++) {
      const t = performance.now();
      const c = await session.connect(opts);
      await c.query({ text: nodeStatusSql(caps) });
      c.close();
      fresh.push(performance.now() - t);
    }
    const results = {
      date: new Date().toISOString(),
      machine: `${hostname()} (${process.platform}, node ${process.version})`,
      postgres: lab.binaries.major,
      statusPollMs: {
        persistentPrepared: { p50: pct(persistent, 50), p99: pct(persistent, 99), n: persistent.length },
        newConnectionPerPoll: { p50: pct(fresh, 50), p99: pct(fresh, 99), n: fresh.length },
      },
      statusPollRatio: Number((pct(fresh, 50) / pct(persistent, 50)).toFixed(1)),
    };
    await writeFile(
      join(import.meta.dirname ?? 'bench', 'results.json'),
      `${JSON.stringify(results, null, 2)}\n`,
    );
    console.log(JSON.stringify(results, null, 2));
  } finally {
    await lab.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(`bench failed: ${(err as Error).message}`);
  process.exit(1);
});
