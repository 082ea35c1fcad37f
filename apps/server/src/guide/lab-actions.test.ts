import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOrReuseLab, type Lab } from '../lab/create-lab.ts';
import { LocalTransport } from '../nodes/local-transport.ts';
import type { NodeSession } from '../nodes/node-session.ts';
import { buildSessions } from '../nodes/registry.ts';
import { freePort } from '../nodes/test-support/sshd-fixture.ts';
import { lsnToBigInt } from '../postgres/lsn.ts';
import { pgCtlArgv } from '../postgres/pg-ctl.ts';
import { LAB_ROWS_TABLE, LabActionError, runLabAction } from './lab-actions.ts';

const by = { username: 'alice' };
const SEGMENT = /^[0-9A-F]{24}$/;

describe('the WAL journey buttons on the lab servers (real PostgreSQL)', () => {
  let dir: string;
  let lab: Lab;
  let sessions: NodeSession[];
  let node1: NodeSession;

  beforeAll(async () => {
    // /var/tmp with 0755: as root the servers run as another user, who must reach the folder.
    dir = await mkdtemp('/var/tmp/walboard-lab-actions-');
    await chmod(dir, 0o755);
    lab = await createOrReuseLab({ dir: join(dir, 'lab'), ports: [await freePort(), await freePort()] });
    sessions = await buildSessions(lab.config, lab.env);
    node1 = sessions.find((s) => s.name === 'node1') as NodeSession;
  }, 120_000);

  afterAll(async () => {
    await Promise.all((sessions ?? []).map((s) => s.close()));
    await lab?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const lsnOf = async (s: NodeSession) =>
    (await s.query<{ l: string }>('SELECT pg_current_wal_lsn()::text AS l'))[0]?.l as string;

  it('write-rows creates the table once and writes the rows in one go; the LSN moves past them', async () => {
    const before = await lsnOf(node1);
    const first = await runLabAction(
      sessions,
      'lab',
      { action: 'write-rows', node: 'node1', rows: 1000 },
      by,
    );
    expect(first).toMatchObject({ node: 'node1', rows: 1000 });
    // 1,000 rows of ~50 bytes each are tens of kilobytes of WAL.
    expect(Number(lsnToBigInt(first.lsn) - lsnToBigInt(before))).toBeGreaterThan(50_000);
    const second = await runLabAction(sessions, 'lab', { action: 'write-rows', node: 'node1', rows: 7 }, by);
    expect(lsnToBigInt(second.lsn)).toBeGreaterThan(lsnToBigInt(first.lsn));
    const rows = await node1.query<{ n: string; notes: string }>(
      `SELECT count(*)::text AS n, count(DISTINCT note)::text AS notes FROM ${LAB_ROWS_TABLE}`,
    );
    expect(rows[0]).toEqual({ n: '1007', notes: '1000' });
    const [sample] = await node1.query<{ note: string }>(
      `SELECT note FROM ${LAB_ROWS_TABLE} ORDER BY id LIMIT 1`,
    );
    expect(sample?.note).toBe('written by alice from walboard, row 1');
  });

  it('switch-wal closes the segment holding the current LSN, and closes nothing when nothing was written', async () => {
    await runLabAction(sessions, 'lab', { action: 'write-rows', node: 'node1', rows: 10 }, by);
    const [held] = await node1.query<{ f: string }>('SELECT pg_walfile_name(pg_current_wal_lsn()) AS f');
    const switched = await runLabAction(sessions, 'lab', { action: 'switch-wal', node: 'node1' }, by);
    expect(switched.closedSegment).toMatch(SEGMENT);
    expect(switched.closedSegment).toBe(held?.f);
    // The write position is now the closed segment's end: a multiple of the segment size.
    const [size] = await node1.query<{ b: string }>(
      "SELECT setting::bigint * (CASE unit WHEN 'B' THEN 1 WHEN 'MB' THEN 1048576 ELSE 8192 END) AS b FROM pg_settings WHERE name = 'wal_segment_size'",
    );
    expect(lsnToBigInt(switched.lsn) % BigInt(size?.b ?? '0')).toBe(0n);
    expect(switched.lsn).toBe(await lsnOf(node1));
    // A switch is not an "important" record: a second one right after has nothing to close.
    const again = await runLabAction(sessions, 'lab', { action: 'switch-wal', node: 'node1' }, by);
    expect(again.closedSegment).toBeNull();
    expect(again.lsn).toBe(switched.lsn);
  });

  it('refuses a node that is not in the cluster, and a cluster that does not exist', async () => {
    await expect(
      runLabAction(sessions, 'lab', { action: 'switch-wal', node: 'node9' }, by),
    ).rejects.toMatchObject({ statusCode: 404, message: expect.stringMatching(/node1, node2/) });
    await expect(
      runLabAction(sessions, 'elsewhere', { action: 'switch-wal', node: 'node1' }, by),
    ).rejects.toMatchObject({ statusCode: 404, code: 'WB_ERR_NO_CLUSTER' });
  });

  it('refuses a standby by name (409), and a node that is down (409), writing nothing', async () => {
    const node2 = lab.nodes[1]!;
    const s2 = sessions.find((s) => s.name === 'node2') as NodeSession;
    const sh = new LocalTransport({
      node: 'node2',
      ...(lab.user.switchTo ? { runAs: { uid: lab.user.uid, gid: lab.user.gid } } : {}),
    });
    const target = {
      binDir: lab.binaries.binDir,
      ...node2,
      configFile: join(node2.confDir, 'postgresql.conf'),
    };
    expect((await sh.exec(pgCtlArgv(target, 'stop', ['-m', 'fast']), { timeoutMs: 60_000 })).code).toBe(0);
    const down = runLabAction(sessions, 'lab', { action: 'write-rows', node: 'node2', rows: 5 }, by);
    await expect(down).rejects.toBeInstanceOf(LabActionError);
    await expect(down).rejects.toMatchObject({
      statusCode: 409,
      code: 'WB_ERR_NODE_UNAVAILABLE',
      node: 'node2',
      message: expect.stringMatching(/^node2 cannot be asked right now/),
    });
    // A standby.signal in the data directory: the server starts in recovery (PostgreSQL 12+).
    await writeFile(join(node2.dataDir, 'standby.signal'), '');
    expect((await sh.exec(pgCtlArgv(target, 'start'), { timeoutMs: 60_000 })).code).toBe(0);
    expect((await s2.query<{ r: boolean }>('SELECT pg_is_in_recovery() AS r'))[0]?.r).toBe(true);
    for (const action of [
      { action: 'write-rows', node: 'node2', rows: 5 },
      { action: 'switch-wal', node: 'node2' },
    ] as const) {
      await expect(runLabAction(sessions, 'lab', action, by)).rejects.toMatchObject({
        statusCode: 409,
        code: 'WB_ERR_NOT_PRIMARY',
        node: 'node2',
        message: expect.stringMatching(/^node2 is a standby/),
      });
    }
    const [t] = await s2.query<{ t: string | null }>(`SELECT to_regclass('${LAB_ROWS_TABLE}')::text AS t`);
    expect(t?.t).toBeNull();
  });
});
