// The log as a viewer gets it: REST reads of the ring buffer and socket.io followers, with one
// tail process per node however many viewers there are.
import {
  appendFileSync,
  chmodSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { type NodeLog, nodeLogSchema } from '@walboard/shared/api';
import type { ClientToServerEvents, LogLinesEvent, ServerToClientEvents } from '@walboard/shared/events';
import type { FastifyInstance } from 'fastify';
import { io as connectIo, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../app.ts';
import { type SignedIn, signIn, withTestAdmin } from '../auth/test-support/sign-in.ts';
import { parseConfigText } from '../config/load-config.ts';
import { freePort } from '../nodes/test-support/sshd-fixture.ts';

type Client = Socket<ServerToClientEvents, ClientToServerEvents>;

function tailPids(file: string): number[] {
  return readdirSync('/proc')
    .filter((e) => /^\d+$/.test(e))
    .filter((e) => {
      try {
        const argv = readFileSync(`/proc/${e}/cmdline`, 'utf8').split('\0');
        return argv[0] === 'tail' && argv.at(-2) === file;
      } catch {
        return false;
      }
    })
    .map(Number);
}

describe('log REST route and socket followers', () => {
  let dir: string;
  let file: string;
  let app: FastifyInstance;
  let base: string;
  let admin: SignedIn;
  const clients: Client[] = [];

  beforeAll(async () => {
    // As root the local node runs as postgres, who must reach the folder and read the file.
    dir = mkdtempSync('/var/tmp/walboard-log-routes-');
    chmodSync(dir, 0o755);
    file = join(dir, 'postgresql.log');
    writeFileSync(
      file,
      `${Array.from({ length: 300 }, (_, i) => `2026-11-25 10:00:00 UTC [1] LOG:  old ${i + 1}`).join('\n')}\n`,
      {
        mode: 0o644,
      },
    );
    const pgPort = await freePort(); // nothing listens: the poller fails, the log does not care
    const yaml = `
clusters:
  - name: lab
    nodes:
      - { name: n1, transport: local, runAs: postgres,
          postgres: { port: ${pgPort}, binDir: /usr/lib/postgresql/15/bin, dataDir: ${dir}/data, logFile: ${file} } }
      - { name: n2, transport: local, runAs: postgres,
          postgres: { port: ${pgPort}, binDir: /usr/lib/postgresql/15/bin, dataDir: ${dir}/data2 } }
`;
    app = await buildApp({
      config: parseConfigText(join(dir, 'walboard.yaml'), yaml),
      webDist: '/nonexistent',
      env: withTestAdmin(),
    });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const addr = app.server.address();
    base = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
    admin = await signIn(base);
  });
  afterAll(async () => {
    for (const c of clients) c.disconnect();
    await app?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const get = async (path: string) => {
    const res = await fetch(`${base}${path}`, { headers: { cookie: admin.cookie } });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  /** A viewer following n1's log; resolves once its subscription was acknowledged. */
  async function follower(): Promise<{ events: LogLinesEvent[]; until: (text: string) => Promise<void> }> {
    const socket: Client = connectIo(base, {
      transports: ['websocket'],
      forceNew: true,
      extraHeaders: { cookie: admin.cookie },
    });
    clients.push(socket);
    const events: LogLinesEvent[] = [];
    let check = () => {};
    socket.on('log:lines', (ev) => {
      events.push(ev);
      check();
    });
    const ack = await socket.timeout(5000).emitWithAck('log:subscribe', { cluster: 'lab', node: 'n1' });
    expect(ack).toEqual({ ok: true });
    const until = (text: string) =>
      new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`viewer never got "${text}"`)), 10_000);
        check = () => {
          if (events.some((e) => e.lines.some((l) => l.text === text))) {
            clearTimeout(timer);
            resolve();
          }
        };
        check();
      });
    return { events, until };
  }

  it('runs one tail for n1 whatever the number of viewers, and each viewer gets history then live lines', async () => {
    const a = await follower();
    await a.until('2026-11-25 10:00:00 UTC [1] LOG:  old 300');
    const b = await follower();
    const c = await follower();
    // A late viewer's first event is the ring buffer (the last 200 lines of the file here).
    await b.until('2026-11-25 10:00:00 UTC [1] LOG:  old 300');
    expect(b.events[0]?.lines[0]?.text).toBe('2026-11-25 10:00:00 UTC [1] LOG:  old 101');
    appendFileSync(file, '2026-11-25 10:00:01 UTC [2] ERROR:  division by zero\n');
    await Promise.all([a, b, c].map((v) => v.until('2026-11-25 10:00:01 UTC [2] ERROR:  division by zero')));
    expect(tailPids(file)).toHaveLength(1);
    const last = c.events.at(-1)?.lines.at(-1);
    expect(last?.level).toBe('ERROR');
  });

  it('GET …/log returns the newest N lines of the ring buffer, default 200', async () => {
    const five = await get('/api/clusters/lab/nodes/n1/log?lines=5');
    expect(five.status).toBe(200);
    const body: NodeLog = nodeLogSchema.parse(five.body);
    expect(body.cluster).toBe('lab');
    expect(body.node).toBe('n1');
    expect(body.dropped).toBe(0);
    expect(body.lines.map((l) => l.text).at(-1)).toBe('2026-11-25 10:00:01 UTC [2] ERROR:  division by zero');
    expect(body.lines).toHaveLength(5);
    const all = nodeLogSchema.parse((await get('/api/clusters/lab/nodes/n1/log')).body);
    expect(all.lines).toHaveLength(200);
    expect(all.lines.every((l, i) => i === 0 || l.seq === (all.lines[i - 1]?.seq ?? 0) + 1)).toBe(true);
  });

  it('answers an empty log for a node without postgres.logFile', async () => {
    const r = await get('/api/clusters/lab/nodes/n2/log');
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ cluster: 'lab', node: 'n2', lines: [], dropped: 0 });
  });

  it.each(['0', '2001', 'abc', '1.5'])('refuses lines=%s with 400 and says what is allowed', async (n) => {
    const r = await get(`/api/clusters/lab/nodes/n1/log?lines=${n}`);
    expect(r.status).toBe(400);
    expect(r.body.error).toBe('WB_ERR_BAD_REQUEST');
    expect(String(r.body.message)).toMatch(/1 to 2000/);
  });

  it('answers 404 for an unknown cluster or node, naming the node', async () => {
    const c = await get('/api/clusters/nope/nodes/n1/log');
    expect(c.status).toBe(404);
    expect(c.body.error).toBe('WB_ERR_NO_CLUSTER');
    const n = await get('/api/clusters/lab/nodes/ghost/log');
    expect(n.status).toBe(404);
    expect(n.body).toMatchObject({ error: 'WB_ERR_NO_NODE', node: 'ghost' });
    expect(String(n.body.message)).toContain('ghost');
  });
});
