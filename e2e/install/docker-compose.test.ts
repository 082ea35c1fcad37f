// docker-compose.yml run for real: a Docker engine of the test's own, base images made from
// Debian's packages (no registry is reachable here), `docker-compose up -d --build`, then the
// lab as a user meets it: sign in to walboard over HTTP, compare each node's offered host key
// with the one inside the container, pin it, and see both nodes live. Everything it made is torn
// down (containers, networks, volumes, images, the engine and its data-root), also on failure.
import { randomBytes } from 'node:crypto';
import { existsSync, rmSync } from 'node:fs';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { hostKeyListSchema } from '@walboard/shared/api';
import { sessionInfoSchema } from '@walboard/shared/auth';
import { clusterSnapshotSchema } from '@walboard/shared/status';
import { afterAll, describe, expect, it } from 'vitest';
import { sleep } from '../hosts/proc.ts';
import { BUILD_COMMANDS, mustRun } from './deploy.ts';
import {
  buildBaseImages,
  type DockerEngine,
  dockerChecked,
  dockerUnavailable,
  ipForward,
  mountsUnder,
  removeEngineDir,
  startDockerd,
} from './docker-engine.ts';

const REPO = join(dirname(fileURLToPath(import.meta.url)), '../..');
const COMPOSE_FILE = join(REPO, 'docker-compose.yml');
const SERVER_BUNDLE = join(REPO, 'docker/walboard-server');
// The README's commands ("Docker lab"), run as written; compose() adds only the test's own -f/-p.
const DEPLOY_FOR_IMAGE = 'pnpm --filter @walboard/server deploy --legacy --prod docker/walboard-server';
const UP_COMMAND = 'docker-compose up -d --build';
const HOST_KEY_COMMAND =
  'docker-compose exec pg1 ssh-keygen -lf /var/lib/postgresql/sshd/ssh_host_ed25519_key.pub';

/** A README `docker-compose …` line as compose() arguments; `exec` gets -T (no terminal here). */
function composeArgs(command: string, node?: string): string[] {
  const [program, sub, ...rest] = command.split(' ');
  if (program !== 'docker-compose' || !sub) throw new Error(`not a docker-compose command: ${command}`);
  if (sub !== 'exec') return [sub, ...rest];
  const [, ...inside] = rest;
  return [sub, '-T', node ?? rest[0] ?? '', ...inside];
}
const why = dockerUnavailable();

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => (a && typeof a === 'object' ? resolve(a.port) : reject(new Error('no port'))));
    });
  });
}

async function until<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (err) {
      last = (err as Error).message;
    }
    if (Date.now() > deadline)
      throw new Error(`${what}: not within ${timeoutMs / 1000} s${last ? ` (${last})` : ''}`);
    await sleep(500);
  }
}

describe.skipIf(why !== null)(`docker-compose.yml lab${why ? ` (skipped: ${why})` : ''}`, () => {
  let engine: DockerEngine | undefined;
  let dir = '';
  let composeEnv: NodeJS.ProcessEnv = {};
  const project = `wbe2e${process.pid}`;
  const compose = (args: readonly string[], timeoutMs = 120_000) => {
    if (!engine) throw new Error('no docker engine');
    return dockerChecked(
      engine,
      `docker-compose ${args[0]}`,
      'docker-compose',
      ['-f', COMPOSE_FILE, '-p', project, ...args],
      {
        cwd: REPO,
        env: composeEnv,
        timeoutMs,
      },
    );
  };
  let tornDown = false;
  let forwardBefore: string | null = null;
  const baseImages: string[] = [];

  async function teardown(): Promise<void> {
    if (engine && !tornDown) {
      tornDown = true;
      const problems: string[] = [];
      await compose(
        ['down', '--volumes', '--rmi', 'all', '--remove-orphans', '--timeout', '20'],
        180_000,
      ).catch((err: Error) => problems.push(err.message));
      for (const img of baseImages) {
        const r = await engine.docker(['rmi', img]);
        if (r.code !== 0) problems.push(`docker rmi ${img}: ${r.stderr.trim()}`);
      }
      if (problems.length) console.error(`[docker-compose test] teardown: ${problems.join('; ')}`);
    }
  }

  afterAll(async () => {
    await teardown().catch((err: Error) => console.error(`[docker-compose test] teardown: ${err.message}`));
    await engine?.stop();
    if (dir) await removeEngineDir(dir);
    // dockerd runs with --ip-forward=false; should a version ignore it, routing is put back.
    if (forwardBefore !== null && (await ipForward()) !== forwardBefore) {
      await writeFile('/proc/sys/net/ipv4/ip_forward', forwardBefore);
    }
  }, 300_000);

  it('builds the images, brings up pg1, pg2 and walboard, signs in, pins both host keys, sees both nodes live, tears everything down', async () => {
    const started = Date.now();
    const timings: Record<string, number> = {};
    // The walboard image copies the built server, deployed as docker/README.md says.
    let t = Date.now();
    // pnpm deploy refuses a folder that is not empty: a copy from an earlier run goes first.
    rmSync(SERVER_BUNDLE, { recursive: true, force: true });
    for (const c of [...BUILD_COMMANDS, DEPLOY_FOR_IMAGE]) mustRun(c);
    expect(existsSync(join(SERVER_BUNDLE, 'dist/web/index.html')), 'the deployed server holds the page').toBe(
      true,
    );
    timings.deployMs = Date.now() - t;
    dir = await mkdtemp(join(tmpdir(), 'wb-docker-'));

    forwardBefore = await ipForward();
    t = Date.now();
    engine = await startDockerd(join(dir, 'engine'));
    timings.dockerdMs = Date.now() - t;
    const info = await dockerChecked(engine, 'docker info', 'docker', [
      ...['info', '--format', '{{.ServerVersion}} {{.Driver}} cgroup v{{.CgroupVersion}}'],
    ]);
    console.log(`[docker-compose test] engine: ${info.stdout.trim()}`);

    baseImages.push(...(await buildBaseImages(engine, timings)));

    const secrets = join(dir, 'secrets');
    await mkdir(secrets, { mode: 0o700 });
    const adminPassword = randomBytes(18).toString('base64url');
    await writeFile(join(secrets, 'pg_password'), `${randomBytes(18).toString('base64url')}\n`, {
      mode: 0o600,
    });
    await writeFile(join(secrets, 'admin_password'), `${adminPassword}\n`, { mode: 0o600 });
    const port = await freePort();
    composeEnv = { WALBOARD_PORT: String(port), WALBOARD_SECRETS_DIR: secrets };

    t = Date.now();
    await compose(composeArgs(UP_COMMAND), 300_000);
    timings.composeUpMs = Date.now() - t;

    t = Date.now();
    const base = `http://127.0.0.1:${port}`;
    await until('walboard /api/health answering 200 through the published port', 120_000, async () => {
      // A bounded wait: docker-proxy may accept before walboard listens and then never answer.
      const r = await fetch(`${base}/api/health`, { signal: AbortSignal.timeout(5000) });
      return r.ok ? true : undefined;
    }).catch(async (err: Error) => {
      const logs = await compose(['logs', '--tail', '30', 'walboard']).catch((e: Error) => ({
        stdout: e.message,
      }));
      throw new Error(`${err.message}\nwalboard logs:\n${logs.stdout}`);
    });
    timings.walboardUpMs = Date.now() - t;

    // The page itself (the built page from the mounted repository) and its script.
    const page = await fetch(`${base}/`);
    const html = await page.text();
    expect(page.status).toBe(200);
    expect(html).toContain('<title>walboard</title>');
    const script = /<script[^>]+src="([^"]+)"/.exec(html)?.[1];
    expect(script, 'a script tag in the page').toBeDefined();
    expect((await fetch(new URL(script ?? '', base))).status).toBe(200);

    // Sign in as the admin whose password came from the admin_password secret.
    const login = await fetch(`${base}/api/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: base },
      body: JSON.stringify({ username: 'admin', password: adminPassword }),
    });
    expect(login.status, await login.clone().text()).toBe(200);
    const session = sessionInfoSchema.parse(await login.json());
    const cookie = login.headers
      .getSetCookie()
      .map((c) => c.split(';')[0])
      .join('; ');
    const get = async (path: string) => {
      const r = await fetch(`${base}${path}`, { headers: { cookie }, signal: AbortSignal.timeout(10_000) });
      if (!r.ok) throw new Error(`GET ${path}: ${r.status} ${await r.text()}`);
      return r.json() as Promise<unknown>;
    };

    // The pin-on-page flow: the key each node offers, compared with the one inside its container.
    const offered = await until('both nodes offering a host key', 60_000, async () => {
      const list = hostKeyListSchema.parse(await get('/api/clusters/lab/host-keys'));
      const keys = list.nodes.map((n) => [n.node, n.hostKey.offered] as const);
      return keys.length === 2 && keys.every(([, k]) => k) ? new Map(keys) : undefined;
    });
    for (const node of ['pg1', 'pg2']) {
      const r = await compose(composeArgs(HOST_KEY_COMMAND, node));
      const inContainer = r.stdout.trim().split(/\s+/)[1];
      expect(offered.get(node), `${node}: the key walboard sees is the container's own`).toBe(inContainer);
      const pin = await fetch(`${base}/api/clusters/lab/nodes/${node}/host-key`, {
        method: 'PUT',
        headers: {
          'content-type': 'application/json',
          origin: base,
          cookie,
          'x-csrf-token': session.csrfToken,
        },
        body: JSON.stringify({ fingerprint: inContainer }),
      });
      expect(pin.status, await pin.clone().text()).toBe(200);
    }

    t = Date.now();
    const nodes = await until('pg1 and pg2 live (ssh up, PostgreSQL up, a version)', 90_000, async () => {
      const snap = clusterSnapshotSchema.parse(await get('/api/clusters/lab'));
      const live = snap.nodes.filter(
        (n) => n.reachability.ssh === 'up' && n.reachability.pg === 'up' && n.version,
      );
      return live.length === 2 ? snap.nodes : undefined;
    });
    timings.nodesLiveMs = Date.now() - t;
    expect(nodes.map((n) => n.node).sort()).toEqual(['pg1', 'pg2']);
    for (const n of nodes) {
      expect(n.versionNum, `${n.node}: ${n.version}`).toBeGreaterThanOrEqual(150000);
      expect(n.versionNum, `${n.node}: ${n.version}`).toBeLessThan(160000);
      expect(n.version).toContain('Debian');
      // The lab guide's starting point: two servers, neither replicating yet.
      expect(n.role).toBe('primary');
      expect(n.hostKey?.state).toBe('pinned');
    }
    // Two separate initdb runs: two clusters, not one image's copy.
    const ids = await Promise.all(
      ['pg1', 'pg2'].map(async (node) => {
        const r = await compose([
          ...['exec', '-T', '--user', 'postgres', node],
          ...['/usr/lib/postgresql/15/bin/pg_controldata', '/var/lib/postgresql/15/main'],
        ]);
        return /Database system identifier:\s+(\d+)/.exec(r.stdout)?.[1];
      }),
    );
    expect(ids[0]).toMatch(/^\d+$/);
    expect(ids[0]).not.toBe(ids[1]);

    // Tear down and prove nothing is left in the engine.
    t = Date.now();
    await teardown();
    const eng = engine;
    const left = await Promise.all(
      [
        ['ps', '-a', '-q'],
        ['images', '-a', '-q'],
        ['volume', 'ls', '-q'],
        ['network', 'ls', '--filter', 'type=custom', '-q'],
      ].map(async (args) => (await dockerChecked(eng, `docker ${args[0]}`, 'docker', args)).stdout.trim()),
    );
    expect(left, 'containers, images, volumes, networks left after down').toEqual(['', '', '', '']);
    await engine.stop();
    await removeEngineDir(dir);
    expect(await mountsUnder(dir)).toEqual([]);
    expect(existsSync(dir)).toBe(false);
    expect(await ipForward(), 'net.ipv4.ip_forward changed by dockerd').toBe(forwardBefore);
    timings.teardownMs = Date.now() - t;
    dir = '';

    const totalMs = Date.now() - started;
    console.log(
      `[docker-compose test] ${Object.entries({ ...timings, totalMs })
        .map(([k, v]) => `${k}=${(v / 1000).toFixed(1)}s`)
        .join(' ')}`,
    );
    // Wall time, not CPU: debootstrap and apt-get download from the Debian mirror.
    expect(totalMs).toBeLessThan(6 * 60_000);
  }, 600_000);
});
