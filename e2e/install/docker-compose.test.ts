// docker-compose.yml run for real: a Docker engine of the test's own, base images made from
// Debian's packages (no registry is reachable here), `docker-compose up -d --build`, then the
// lab as a user meets it: sign in to walboard over HTTP, compare each node's offered host key
// with the one inside the container, pin it, and see both nodes live. Everything it made is torn
// down (containers, networks, volumes, images, the engine and its data-root), also on failure.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, rmSync } from 'node:fs';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { hostKeyListSchema } from '@walboard/shared/api';
import { sessionInfoSchema } from '@walboard/shared/auth';
import { type ClusterSnapshot, clusterSnapshotSchema } from '@walboard/shared/status';
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
// The same two, as docker/README.md shows them for Docker's compose v2 plugin.
const UP_COMMAND_V2 = 'docker compose up -d --build';
const HOST_KEY_COMMAND_V2 =
  'docker compose exec pg1 ssh-keygen -lf /var/lib/postgresql/sshd/ssh_host_ed25519_key.pub';

type Compose = 'v1' | 'v2';

/**
 * A README `docker-compose …` / `docker compose …` line as compose() arguments; `exec` gets -T
 * (no terminal here) and may be pointed at another node.
 */
function composeArgs(command: string, node?: string): string[] {
  const words = command.split(' ');
  const [sub, ...rest] = words[0] === 'docker' && words[1] === 'compose' ? words.slice(2) : words.slice(1);
  if (!/^docker(-| )compose /.test(command) || !sub) throw new Error(`not a compose command: ${command}`);
  if (sub !== 'exec') return [sub, ...rest];
  const [, ...inside] = rest;
  return [sub, '-T', node ?? rest[0] ?? '', ...inside];
}
const why = dockerUnavailable();
// Debian 12 packages compose v1 only; .ci/compose-v2.sh adds the v2 plugin (from Debian 13).
const v2Missing =
  why === null && spawnSync('docker', ['compose', 'version'], { encoding: 'utf8' }).status !== 0
    ? "Docker's compose v2 plugin is not installed (.ci/compose-v2.sh installs it)"
    : null;

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

interface SignedIn {
  get(path: string): Promise<unknown>;
  put(path: string, body: unknown): Promise<Response>;
}

/** Signs in as the admin over HTTP, as the page does (origin + session cookie + CSRF token). */
async function signIn(base: string, password: string): Promise<SignedIn> {
  const login = await fetch(`${base}/api/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: base },
    body: JSON.stringify({ username: 'admin', password }),
    signal: AbortSignal.timeout(10_000),
  });
  expect(login.status, await login.clone().text()).toBe(200);
  const session = sessionInfoSchema.parse(await login.json());
  const cookie = login.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .join('; ');
  return {
    async get(path) {
      const r = await fetch(`${base}${path}`, { headers: { cookie }, signal: AbortSignal.timeout(10_000) });
      if (!r.ok) throw new Error(`GET ${path}: ${r.status} ${await r.text()}`);
      return r.json() as Promise<unknown>;
    },
    put: (path, body) =>
      fetch(`${base}${path}`, {
        method: 'PUT',
        headers: {
          'content-type': 'application/json',
          origin: base,
          cookie,
          'x-csrf-token': session.csrfToken,
        },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(10_000),
      }),
  };
}

/** Both nodes with ssh and PostgreSQL up and a version read: the snapshot's nodes. */
async function bothLive(api: SignedIn): Promise<ClusterSnapshot['nodes']> {
  return until('pg1 and pg2 live (ssh up, PostgreSQL up, a version)', 90_000, async () => {
    const snap = clusterSnapshotSchema.parse(await api.get('/api/clusters/lab'));
    const live = snap.nodes.filter(
      (n) => n.reachability.ssh === 'up' && n.reachability.pg === 'up' && n.version,
    );
    return live.length === 2 ? snap.nodes : undefined;
  });
}

describe.skipIf(why !== null)(`docker-compose.yml lab${why ? ` (skipped: ${why})` : ''}`, () => {
  let engine: DockerEngine | undefined;
  let dir = '';
  let composeEnv: NodeJS.ProcessEnv = {};
  const project = `wbe2e${process.pid}`;
  /** Runs `docker-compose …` (v1) or `docker compose …` (v2) on the file, as project `project`. */
  const compose = (args: readonly string[], timeoutMs = 120_000, which: Compose = 'v1') => {
    if (!engine) throw new Error('no docker engine');
    const [cmd, pre] =
      which === 'v1' ? (['docker-compose', []] as const) : (['docker', ['compose']] as const);
    return dockerChecked(
      engine,
      `${cmd} ${[...pre, args[0]].join(' ')}`,
      cmd,
      [...pre, '-f', COMPOSE_FILE, '-p', project, ...args],
      { cwd: REPO, env: composeEnv, timeoutMs },
    );
  };
  let tornDown = false;
  let usedV2 = false;
  let started = 0;
  const timings: Record<string, number> = {};
  /** What the 1.29 leg left for the v2 leg to find again. */
  let v1:
    | {
        base: string;
        adminPassword: string;
        ids: (string | undefined)[];
        pinned: Map<string, string | undefined>;
      }
    | undefined;
  let forwardBefore: string | null = null;
  const baseImages: string[] = [];

  async function teardown(): Promise<void> {
    if (engine && !tornDown) {
      tornDown = true;
      const problems: string[] = [];
      // v1 and v2 name built images differently (project_service, project-service): each down
      // removes its own.
      for (const which of usedV2 ? (['v2', 'v1'] as const) : (['v1'] as const)) {
        await compose(
          ['down', '--volumes', '--rmi', 'all', '--remove-orphans', '--timeout', '20'],
          180_000,
          which,
        ).catch((err: Error) => problems.push(err.message));
      }
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

  /** walboard answering on the published port (with its last log lines when it does not). */
  async function walboardUp(base: string, which: Compose): Promise<void> {
    await until('walboard /api/health answering 200 through the published port', 120_000, async () => {
      // A bounded wait: docker-proxy may accept before walboard listens and then never answer.
      const r = await fetch(`${base}/api/health`, { signal: AbortSignal.timeout(5000) });
      return r.ok ? true : undefined;
    }).catch(async (err: Error) => {
      const logs = await compose(['logs', '--tail', '30', 'walboard'], 60_000, which).catch((e: Error) => ({
        stdout: e.message,
      }));
      throw new Error(`${err.message}\nwalboard logs:\n${logs.stdout}`);
    });
  }

  /** Each node's PostgreSQL system identifier, read inside its container. */
  async function systemIds(which: Compose): Promise<(string | undefined)[]> {
    return Promise.all(
      ['pg1', 'pg2'].map(async (node) => {
        const r = await compose(
          [
            ...['exec', '-T', '--user', 'postgres', node],
            ...['/usr/lib/postgresql/15/bin/pg_controldata', '/var/lib/postgresql/15/main'],
          ],
          60_000,
          which,
        );
        return /Database system identifier:\s+(\d+)/.exec(r.stdout)?.[1];
      }),
    );
  }

  /** The fingerprint of the host key inside a node's container, by the README's command. */
  async function keyInContainer(command: string, node: string, which: Compose): Promise<string | undefined> {
    const r = await compose(composeArgs(command, node), 60_000, which);
    return r.stdout.trim().split(/\s+/)[1];
  }

  it('builds the images, brings up pg1, pg2 and walboard with docker-compose 1.29, signs in, pins both host keys, sees both nodes live', async () => {
    started = Date.now();
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
    await walboardUp(base, 'v1');
    timings.walboardUpMs = Date.now() - t;

    // The page itself (the built page from the image) and its script.
    const page = await fetch(`${base}/`);
    const html = await page.text();
    expect(page.status).toBe(200);
    expect(html).toContain('<title>walboard</title>');
    const script = /<script[^>]+src="([^"]+)"/.exec(html)?.[1];
    expect(script, 'a script tag in the page').toBeDefined();
    expect((await fetch(new URL(script ?? '', base))).status).toBe(200);

    // Sign in as the admin whose password came from the admin_password secret.
    const api = await signIn(base, adminPassword);

    // The pin-on-page flow: the key each node offers, compared with the one inside its container.
    const offered = await until('both nodes offering a host key', 60_000, async () => {
      const list = hostKeyListSchema.parse(await api.get('/api/clusters/lab/host-keys'));
      const keys = list.nodes.map((n) => [n.node, n.hostKey.offered] as const);
      return keys.length === 2 && keys.every(([, k]) => k) ? new Map(keys) : undefined;
    });
    const pinned = new Map<string, string | undefined>();
    for (const node of ['pg1', 'pg2']) {
      const inContainer = await keyInContainer(HOST_KEY_COMMAND, node, 'v1');
      expect(offered.get(node), `${node}: the key walboard sees is the container's own`).toBe(inContainer);
      const pin = await api.put(`/api/clusters/lab/nodes/${node}/host-key`, { fingerprint: inContainer });
      expect(pin.status, await pin.clone().text()).toBe(200);
      pinned.set(node, inContainer);
    }

    t = Date.now();
    const nodes = await bothLive(api);
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
    const ids = await systemIds('v1');
    expect(ids[0]).toMatch(/^\d+$/);
    expect(ids[0]).not.toBe(ids[1]);

    v1 = { base, adminPassword, ids, pinned };
  }, 600_000);

  it.skipIf(v2Missing !== null)(
    `compose v2 (docker compose) brings the same lab back from the same volumes: clusters, host keys, walboard's admin and pins${v2Missing ? ` (skipped: ${v2Missing})` : ''}`,
    async () => {
      if (!v1) throw new Error('the docker-compose 1.29 leg did not finish: nothing to bring back');
      const { base, adminPassword, ids, pinned } = v1;
      // Compose v2 on the same file and the same volumes: `down` (volumes kept, as docker/README.md
      // says), then the README's v2 command. The lab comes back as it was: same clusters, same
      // host keys, walboard's store with the admin and the pins.
      const t = Date.now();
      await compose(['down', '--timeout', '20'], 180_000);
      usedV2 = true;
      await compose(composeArgs(UP_COMMAND_V2), 300_000, 'v2');
      const ps = await compose(['ps', '--format', 'json'], 60_000, 'v2');
      expect(ps.stdout, 'containers listed by docker compose ps').toContain('"Service":"walboard"');
      await walboardUp(base, 'v2');
      timings.v2UpMs = Date.now() - t;
      const again = await signIn(base, adminPassword);
      const back = await bothLive(again);
      for (const n of back) {
        expect(n.hostKey?.state, `${n.node}: pin kept in walboard's volume`).toBe('pinned');
        expect(n.role).toBe('primary');
      }
      for (const node of ['pg1', 'pg2']) {
        expect(await keyInContainer(HOST_KEY_COMMAND_V2, node, 'v2'), `${node}: same host key`).toBe(
          pinned.get(node),
        );
      }
      expect(await systemIds('v2'), 'the same two clusters, from the kept volumes').toEqual(ids);
    },
    300_000,
  );

  it('tears everything down: no container, image, volume or network left, dockerd stopped, its data-root gone', async () => {
    if (!engine) throw new Error('no docker engine was started');
    const t = Date.now();
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
    expect(totalMs).toBeLessThan(7 * 60_000);
  }, 300_000);
});
