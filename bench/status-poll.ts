// The cost of one status poll, the controller's hottest path, against the way to avoid (a new
// connection per poll). Runs on the local lab (LocalTransport): this is PostgreSQL's cost alone.
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { createOrReuseLab } from '../apps/server/src/lab/create-lab.ts';
import { buildSessions } from '../apps/server/src/nodes/registry.ts';
import { nodeStatusSql } from '../apps/server/src/postgres/status-sql.ts';
import { pct, round } from './stats.ts';

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => resolve(typeof a === 'object' && a ? a.port : 0));
    });
  });

const figure = (xs: number[]) => ({ p50: round(pct(xs, 50), 3), p99: round(pct(xs, 99), 3), n: xs.length });

export async function measureStatusPoll() {
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
    await session.close();
    return {
      postgres: lab.binaries.major,
      statusPollMs: {
        persistentPrepared: figure(persistent),
        newConnectionPerPoll: figure(fresh),
        plain: {
          persistentPrepared: '~0.06–0.10 ms',
          newConnectionPerPoll: '~41–48 ms',
          psqlPerPoll: '~81–87 ms',
          source: 'shared/docs/performance-anchors.md (cost of one status poll)',
        },
      },
      statusPollRatio: round(pct(fresh, 50) / pct(persistent, 50), 1),
    };
  } finally {
    await lab.stop();
    await rm(dir, { recursive: true, force: true });
  }
}
