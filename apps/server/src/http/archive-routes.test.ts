import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ErrorBody } from '@walboard/shared/api';
import { walboardConfigSchema } from '@walboard/shared/config';
import type {
  ArchiveChangedEvent,
  ClientToServerEvents,
  ServerToClientEvents,
} from '@walboard/shared/events';
import { type ArchiveListing, archiveListingSchema } from '@walboard/shared/status';
import type { FastifyInstance } from 'fastify';
import { io as connectIo, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../app.ts';
import { type SignedIn, signIn, withTestAdmin } from '../auth/test-support/sign-in.ts';
import { freePort } from '../nodes/test-support/sshd-fixture.ts';

const SEG = '000000010000000000000007';
const isRoot = process.getuid?.() === 0;

/** Resolves with the first archive:changed event that matches, without fixed sleeps. */
function nextArchiveEvent(
  socket: Socket<ServerToClientEvents, ClientToServerEvents>,
  pred: (e: ArchiveChangedEvent) => boolean,
  ms = 5000,
): Promise<ArchiveChangedEvent> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no matching archive:changed within ${ms} ms`)), ms);
    const on = (e: ArchiveChangedEvent) => {
      if (!pred(e)) return;
      clearTimeout(t);
      socket.off('archive:changed', on);
      resolve(e);
    };
    socket.on('archive:changed', on);
  });
}

describe('GET /api/clusters/:cluster/nodes/:node/archive and archive:changed, through the app', () => {
  let base: string;
  let archiveDir: string;
  let app: FastifyInstance;
  let url: string;
  let admin: SignedIn;
  let socket: Socket<ServerToClientEvents, ClientToServerEvents> | undefined;

  beforeAll(async () => {
    // Under /var/tmp with 0755: as root the local node lists as postgres, who must reach the folder.
    base = mkdtempSync('/var/tmp/walboard-archive-api-');
    chmodSync(base, 0o755);
    archiveDir = join(base, 'wal_archive');
    mkdirSync(archiveDir, { mode: 0o700 });
    if (isRoot) {
      const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }));
      const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }));
      chownSync(archiveDir, uid, gid);
    }
    writeFileSync(join(archiveDir, SEG), Buffer.alloc(64));
    // No PostgreSQL behind these nodes: the archive watcher needs only the transport.
    const pgPort = await freePort();
    const node = (name: string, extra: object) => ({
      name,
      transport: 'local',
      ...(isRoot ? { runAs: 'postgres' } : {}),
      postgres: {
        port: pgPort,
        host: '127.0.0.1',
        binDir: '/usr/lib/postgresql/15/bin',
        dataDir: join(base, name),
      },
      ...extra,
    });
    const config = walboardConfigSchema.parse({
      listen: '127.0.0.1:8080',
      dataDir: join(base, 'state'),
      clusters: [{ name: 'lab', nodes: [node('n1', { archiveDir }), node('n2', {})] }],
    });
    app = await buildApp({ config, env: withTestAdmin(), webDist: '/nonexistent' });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const addr = app.server.address();
    url = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
    admin = await signIn(url);
  });

  afterAll(async () => {
    socket?.disconnect();
    await app?.close();
    if (base) rmSync(base, { recursive: true, force: true });
  });

  const get = async (path: string) => {
    const res = await fetch(`${url}${path}`, { headers: { cookie: admin.cookie } });
    return { status: res.status, body: (await res.json()) as unknown };
  };

  it('answers the live listing of a node with an archiveDir', async () => {
    const { status, body } = await get('/api/clusters/lab/nodes/n1/archive');
    expect(status).toBe(200);
    const listing = archiveListingSchema.parse(body);
    expect(listing).toMatchObject({ cluster: 'lab', node: 'n1', dir: archiveDir, exists: true });
    expect(listing.entries).toEqual([
      { name: SEG, kind: 'segment', size: 64, mtime: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) },
    ]);
  });

  it('answers 404 with a reason for unknown clusters and nodes, bad names, and nodes without archiveDir', async () => {
    const noCluster = await get('/api/clusters/nope/nodes/n1/archive');
    expect(noCluster.status).toBe(404);
    expect(noCluster.body).toEqual({ error: 'WB_ERR_NO_CLUSTER', message: 'no cluster named "nope"' });

    const noNode = await get('/api/clusters/lab/nodes/n9/archive');
    expect(noNode.status).toBe(404);
    expect((noNode.body as ErrorBody).error).toBe('WB_ERR_NO_NODE');
    expect((noNode.body as ErrorBody).message).toContain('n9');

    const badName = await get(`/api/clusters/lab/nodes/${encodeURIComponent('$(id)')}/archive`);
    expect(badName.status).toBe(404);
    expect((badName.body as ErrorBody).error).toBe('WB_ERR_NO_NODE');

    const noDir = await get('/api/clusters/lab/nodes/n2/archive');
    expect(noDir.status).toBe(404);
    expect(noDir.body).toEqual({
      error: 'WB_ERR_NO_ARCHIVE_DIR',
      message: expect.stringContaining('no archiveDir in walboard.yaml'),
      node: 'n2',
    });
  });

  it('pushes additions and removals to the cluster room, and REST agrees afterwards', async () => {
    socket = connectIo(url, {
      transports: ['websocket'],
      forceNew: true,
      extraHeaders: { cookie: admin.cookie },
    });
    const s = socket;
    const ack = await new Promise<unknown>((resolve) => s.emit('subscribe', { cluster: 'lab' }, resolve));
    expect(ack).toEqual({ ok: true });

    const name = `${SEG.slice(0, 16)}00000008`;
    const added = nextArchiveEvent(s, (e) => e.added.some((a) => a.name === name));
    writeFileSync(join(archiveDir, name), Buffer.alloc(128));
    const ev = await added;
    expect(ev).toMatchObject({ cluster: 'lab', node: 'n1', removed: [], exists: true });
    expect(ev.added).toEqual([expect.objectContaining({ name, kind: 'segment', size: 128 })]);
    let listing = (await get('/api/clusters/lab/nodes/n1/archive')).body as ArchiveListing;
    expect(listing.entries.map((e) => e.name).sort()).toEqual([SEG, name]);

    const removed = nextArchiveEvent(s, (e) => e.removed.includes(SEG));
    rmSync(join(archiveDir, SEG));
    expect((await removed).added).toEqual([]);
    listing = (await get('/api/clusters/lab/nodes/n1/archive')).body as ArchiveListing;
    expect(listing.entries.map((e) => e.name)).toEqual([name]);
  });
});
