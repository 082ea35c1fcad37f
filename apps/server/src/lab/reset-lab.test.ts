import { chmod, chown, mkdir, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../nodes/test-support/sshd-fixture.ts';
import { createOrReuseLab, LAB_PASSWORD_ENV, type Lab, labShell, stopNode } from './create-lab.ts';
import { isInside, resetLab, resetTargets } from './reset-lab.ts';

/** The test's own SQL on a lab node: not walboard's session code. */
async function sql<T extends pg.QueryResultRow>(lab: Lab, port: number, text: string): Promise<T[]> {
  const c = new pg.Client({
    host: '127.0.0.1',
    port,
    user: 'postgres',
    database: 'postgres',
    password: lab.env[LAB_PASSWORD_ENV],
  });
  await c.connect();
  try {
    return (await c.query<T>(text)).rows;
  } finally {
    await c.end();
  }
}

const exists = (p: string) =>
  stat(p).then(
    () => true,
    () => false,
  );

describe('resetLab: the embedded lab back to two bare servers', () => {
  let dir: string;
  let lab: Lab;
  const lines: string[] = [];

  beforeAll(async () => {
    // /var/tmp with 0755: as root the servers run as another user, who must reach the folder.
    dir = await mkdtemp('/var/tmp/walboard-reset-test-');
    await chmod(dir, 0o755);
    lab = await createOrReuseLab({
      dir: join(dir, 'lab'),
      ports: [await freePort(), await freePort()],
      log: (l) => lines.push(l),
    });
  }, 120_000);

  afterAll(async () => {
    await lab?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('refuses paths outside the lab folder before stopping or removing anything', () => {
    expect(isInside('/var/lab', '/var/lab/node1')).toBe(true);
    expect(isInside('/var/lab', '/var/lab')).toBe(false);
    expect(isInside('/var/lab', '/var/lab-other/node1')).toBe(false);
    expect(isInside('/var/lab', '/var/lab/../etc')).toBe(false);
    expect(resetTargets(lab)).toEqual([
      lab.nodes[0]!.dir,
      lab.nodes[1]!.dir,
      // The archive directories of walboard.yaml are inside the node folders: no extra path.
    ]);
    const cluster = lab.config.clusters[0]!;
    const strayArchive = {
      ...lab,
      config: {
        ...lab.config,
        clusters: [
          {
            ...cluster,
            nodes: cluster.nodes.map((n, i) => (i === 1 ? { ...n, archiveDir: '/srv/wal_archive' } : n)),
          },
        ],
      },
    };
    expect(() => resetTargets(strayArchive)).toThrow(/\/srv\/wal_archive is not inside the lab folder/);
  });

  it('stops both servers (one running, one already stopped), removes tables, archives and set-aside data, and starts two bare primaries in < 30 s', async () => {
    const [n1, n2] = lab.nodes as [Lab['nodes'][0], Lab['nodes'][0]];
    // The lab's state after some work: a table on each server, archived WAL, a data dir set aside.
    for (const n of lab.nodes) {
      await sql(lab, n.port, 'CREATE TABLE student_work AS SELECT g AS id FROM generate_series(1, 1000) g');
      await mkdir(n.archiveDir, { recursive: true });
      await writeFile(join(n.archiveDir, '000000010000000000000001'), 'x');
    }
    const aside = `${n2.dataDir}.walboard-old-20260101T000000000Z`;
    await mkdir(aside, { recursive: true });
    await writeFile(join(aside, 'PG_VERSION'), '15\n');
    if (lab.user.switchTo) await chown(aside, lab.user.uid, lab.user.gid);
    // node2 was stopped by hand: the reset must cope with a server that is not running.
    const sh = labShell(lab.user);
    expect((await stopNode(sh, lab.binaries, n2.dataDir)).code).toBe(0);
    await sh.close();

    const t0 = performance.now();
    const result = await resetLab(lab, { log: (l) => lines.push(l) });
    const took = (performance.now() - t0) / 1000;
    console.log(`lab reset took ${took.toFixed(1)} s (reported ${result.seconds} s)`);
    expect(result.nodes).toEqual(['node1', 'node2']);
    expect(result.seconds).toBeLessThan(30);
    expect(Math.abs(result.seconds - took)).toBeLessThan(0.5);

    for (const n of [n1, n2]) {
      const [row] = await sql<{ rec: boolean; t: string | null }>(
        lab,
        n.port,
        "SELECT pg_is_in_recovery() AS rec, to_regclass('public.student_work')::text AS t",
      );
      expect(row).toEqual({ rec: false, t: null });
      expect(await exists(n.archiveDir)).toBe(false);
      expect(await exists(join(n.confDir, 'postgresql.conf'))).toBe(true);
    }
    expect(await exists(aside)).toBe(false);
    expect((await readdir(n2.dir)).sort()).toEqual(['.pwfile', 'conf', 'data', 'log', 'run']);
    // The controller's own state and the password stay: walboard keeps running across a reset.
    expect(await exists(join(lab.dir, 'lab.env'))).toBe(true);
    expect(await exists(join(lab.dir, 'walboard.yaml'))).toBe(true);
    // Both servers are now this run's: closing the lab stops them.
    expect([...lab.started].sort()).toEqual(['node1', 'node2']);
  }, 90_000);

  it('resets again from the state it left (idempotent), still under 30 s', async () => {
    const result = await resetLab(lab);
    expect(result.seconds).toBeLessThan(30);
    for (const n of lab.nodes) {
      const [row] = await sql<{ rec: boolean }>(lab, n.port, 'SELECT pg_is_in_recovery() AS rec');
      expect(row?.rec).toBe(false);
    }
  }, 90_000);
});
