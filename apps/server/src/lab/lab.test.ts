import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { ClientToServerEvents, ServerToClientEvents } from '@walboard/shared/events';
import type { ClusterSnapshot, NodeStatus } from '@walboard/shared/status';
import type { FastifyInstance } from 'fastify';
import { io as connectIo, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../app.ts';
import { loadConfig } from '../config/load-config.ts';
import { LocalTransport } from '../nodes/local-transport.ts';
import { freePort } from '../nodes/test-support/sshd-fixture.ts';
import { pgCtlArgv } from '../postgres/pg-ctl.ts';
import { createOrReuseLab, type Lab } from './create-lab.ts';

/** Waits for a status matching `pred` on the socket, without fixed sleeps. */
function nextStatus(
  socket: Socket<ServerToClientEvents, ClientToServerEvents>,
  pred: (s: NodeStatus) => boolean,
  ms = 5000,
) {
  return new Promise<NodeStatus>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('no matching node:status in time')), ms);
    const on = (s: NodeStatus) => {
      if (!pred(s)) return;
      clearTimeout(t);
      socket.off('node:status', on);
      resolve(s);
    };
    socket.on('node:status', on);
  });
}

describe('embedded lab: two local servers on the page', () => {
  let dir: string;
  let lab: Lab;
  let app: FastifyInstance;
  let cookie = '';
  let base: string;
  const lines: string[] = [];

  beforeAll(async () => {
    // Under /var/tmp, not /tmp: as root the servers run as another user, who must reach the folder.
    dir = await mkdtemp('/var/tmp/walboard-lab-test-');
    const { chmod } = await import('node:fs/promises');
    await chmod(dir, 0o755);
    lab = await createOrReuseLab({
      dir: join(dir, 'lab'),
      ports: [await freePort(), await freePort()],
      log: (l) => lines.push(l),
    });
    app = await buildApp({ config: lab.config, env: lab.env, webDist: '/nonexistent' });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const addr = app.server.address();
    base = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
  }, 120_000);

  afterAll(async () => {
    await app?.close();
    await lab?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('writes a walboard.yaml that the loader accepts, without the password in it', async () => {
    const { config } = await loadConfig(lab.configFile);
    expect(config.clusters[0]?.nodes.map((n) => n.name)).toEqual(['node1', 'node2']);
    const text = await readFile(lab.configFile, 'utf8');
    expect(text).toContain('passwordEnv: WALBOARD_LAB_PGPASSWORD');
    expect(text).not.toContain(String(lab.env.WALBOARD_LAB_PGPASSWORD));
  });

  it('signs in only with the one-time link printed at start: not from 127.0.0.1 alone, not twice', async () => {
    // 127.0.0.1 is every local account on a shared machine, and any port forwarder: no free session.
    expect((await fetch(`${base}/api/session`)).status).toBe(401);
    const link = app.labLink;
    if (!link) throw new Error('the lab has no sign-in link');
    expect(link.url('http://127.0.0.1:8080')).toBe(`http://127.0.0.1:8080/?token=${link.token}#/lab`);
    expect(link.token).toMatch(/^[A-Za-z0-9_-]{32}$/);
    const post = (token: string) =>
      fetch(`${base}/api/session/link`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ token }),
      });
    // One character changed (never to itself: a token ending in "x" would stay the same).
    const wrong = await post(`${link.token.slice(0, -1)}${link.token.endsWith('x') ? 'y' : 'x'}`);
    expect(wrong.status).toBe(401);
    expect(((await wrong.json()) as { message: string }).message).toMatch(/not valid/);
    const res = await post(link.token);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ username: 'lab', role: 'admin', autoLogin: true });
    cookie = /walboard_session=[^;]+/.exec(res.headers.getSetCookie().join(';'))?.[0] ?? '';
    expect(cookie).not.toBe('');
    expect((await fetch(`${base}/api/session`, { headers: { cookie } })).status).toBe(200);
    // Spent: a second browser (or whoever copied the URL) gets nothing.
    const again = await post(link.token);
    expect(again.status).toBe(401);
    expect(((await again.json()) as { message: string }).message).toMatch(/already used/);
    // A form post (not JSON) is refused before the token is even looked at.
    const form = await fetch(`${base}/api/session/link`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `token=${link.token}`,
    });
    expect(form.status).toBe(415);
  });

  it('serves both nodes live: reachable primaries (not replicating yet) with their LSN', async () => {
    const socket: Socket<ServerToClientEvents, ClientToServerEvents> = connectIo(base, {
      transports: ['websocket'],
      extraHeaders: { cookie },
    });
    try {
      const snapshot = await new Promise<ClusterSnapshot>((resolve, reject) => {
        socket.on('cluster:snapshot', resolve);
        socket.emit('subscribe', { cluster: 'lab' }, (ack) =>
          ack.ok ? undefined : reject(new Error(ack.message)),
        );
      });
      expect(snapshot.nodes.map((n) => n.node)).toEqual(['node1', 'node2']);
      // The snapshot already holds whatever the pollers saw; wait for a live status where it is not up yet.
      const up = await Promise.all(
        ['node1', 'node2'].map((n) => {
          const seen = snapshot.nodes.find((s) => s.node === n && s.reachability.pg === 'up');
          return seen ?? nextStatus(socket, (s) => s.node === n && s.reachability.pg === 'up');
        }),
      );
      for (const s of up) {
        expect(s.role).toBe('primary');
        expect(s.currentLsn).toMatch(/^[0-9A-F]+\/[0-9A-F]+$/);
        expect(s.timeline).toBe(1);
        expect(s.versionNum).toBe(lab.binaries.major * 10000 + Number(s.version?.split(/[ .]/)[1]));
      }
    } finally {
      socket.close();
    }
  });

  it('shows a stopped server as unreachable within 2 s, and recovers when it is back', async () => {
    const socket: Socket<ServerToClientEvents, ClientToServerEvents> = connectIo(base, {
      transports: ['websocket'],
      extraHeaders: { cookie },
    });
    const node2 = lab.nodes[1]!;
    const sh = new LocalTransport({
      node: 'node2',
      ...(lab.user.switchTo ? { runAs: { uid: lab.user.uid, gid: lab.user.gid } } : {}),
    });
    try {
      await new Promise<void>((resolve) => socket.emit('subscribe', { cluster: 'lab' }, () => resolve()));
      const target = {
        binDir: lab.binaries.binDir,
        ...node2,
        configFile: join(node2.confDir, 'postgresql.conf'),
      };
      const down = nextStatus(socket, (s) => s.node === 'node2' && s.reachability.pg === 'down', 10_000);
      const stopped = await sh.exec(pgCtlArgv(target, 'stop', ['-m', 'immediate']));
      expect(stopped.code).toBe(0);
      const t0 = Date.now();
      const st = await down;
      expect(Date.now() - t0).toBeLessThan(2000);
      expect(st.reachability.reason).toMatch(/node2|127\.0\.0\.1/);
      expect(st.role).toBe('unknown');

      const up = nextStatus(socket, (s) => s.node === 'node2' && s.reachability.pg === 'up', 15_000);
      expect((await sh.exec(pgCtlArgv(target, 'start'), { timeoutMs: 60_000 })).code).toBe(0);
      expect((await up).role).toBe('primary');
    } finally {
      socket.close();
    }
  });

  it('reuses the lab on a second run instead of creating it again', async () => {
    const again = await createOrReuseLab({
      dir: lab.dir,
      ports: [lab.nodes[0]!.port, lab.nodes[1]!.port],
      log: (l) => lines.push(l),
    });
    expect(again.env.WALBOARD_LAB_PGPASSWORD).toBe(lab.env.WALBOARD_LAB_PGPASSWORD);
    expect(lines.filter((l) => l.includes('already running'))).toHaveLength(2);
    expect(lines.filter((l) => l.includes('initdb'))).toHaveLength(2);
    await again.stop(); // started nothing, so stops nothing
  });
});
