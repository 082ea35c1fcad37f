// A Docker engine of the test's own: dockerd started by hand (nothing starts it on this machine)
// with its data, sockets and pid file under one temp dir, stopped by its pid. `--iptables=false`,
// `--ip-forward=false` and `--bridge=none`: it leaves the firewall and the routing of the
// network-namespace test hosts alone (by default dockerd turns net.ipv4.ip_forward on, which
// would let test runs reach each other through the machine) and makes no docker0; the compose
// networks it makes are removed by `docker-compose down`. Containers on one compose network talk
// over its bridge, and published ports go through docker-proxy: neither needs forwarding.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, open, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { describeFailure, fileTail, type RunResult, run, sleep } from '../hosts/proc.ts';

const TOOLS = ['dockerd', 'docker', 'docker-compose', 'debootstrap'] as const;

/** Why docker cannot run here, or null when it can (root and every tool on PATH). */
export function dockerUnavailable(): string | null {
  if (process.getuid?.() !== 0) return 'needs root (dockerd, debootstrap)';
  const dirs = (process.env.PATH ?? '').split(delimiter).filter(Boolean);
  const missing = TOOLS.filter((t) => !dirs.some((d) => existsSync(join(d, t))));
  return missing.length
    ? `${missing.join(', ')} not installed (apt-get install docker.io docker-compose debootstrap)`
    : null;
}

export interface DockerEngine {
  dir: string;
  /** Environment for docker and docker-compose: DOCKER_HOST points at this engine only. */
  env: NodeJS.ProcessEnv;
  pid: number;
  logFile: string;
  docker(args: readonly string[], timeoutMs?: number): Promise<RunResult>;
  /** Stops dockerd by its pid (SIGTERM, then SIGKILL after 30 s). */
  stop(): Promise<void>;
}

export async function dockerChecked(
  engine: DockerEngine,
  step: string,
  cmd: 'docker' | 'docker-compose',
  args: readonly string[],
  opts: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number; input?: string } = {},
): Promise<RunResult> {
  const r = await run(cmd, args, {
    env: { ...engine.env, ...opts.env },
    cwd: opts.cwd ?? engine.dir,
    timeoutMs: opts.timeoutMs ?? 120_000,
    ...(opts.input !== undefined ? { input: opts.input } : {}),
  });
  if (r.code !== 0) {
    throw new Error(`${step}: ${describeFailure(`${cmd} ${args.slice(0, 3).join(' ')}`, r)}`);
  }
  return r;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export async function startDockerd(dir: string): Promise<DockerEngine> {
  await mkdir(dir, { recursive: true });
  const socket = join(dir, 'docker.sock');
  const logFile = join(dir, 'dockerd.log');
  const log = await open(logFile, 'a');
  const child = spawn(
    'dockerd',
    [
      ...['--iptables=false', '--ip6tables=false', '--ip-forward=false', '--bridge=none'],
      ...['--data-root', join(dir, 'data'), '--exec-root', join(dir, 'exec')],
      ...['--pidfile', join(dir, 'dockerd.pid'), '--host', `unix://${socket}`],
    ],
    { stdio: ['ignore', log.fd, log.fd], cwd: dir },
  );
  await log.close();
  if (child.pid === undefined) throw new Error('starting dockerd: spawn failed (is docker.io installed?)');
  const pid = child.pid;
  let exited: string | null = null;
  child.on('exit', (code, signal) => {
    exited = signal ?? String(code);
  });
  const env: NodeJS.ProcessEnv = { ...process.env, DOCKER_HOST: `unix://${socket}` };
  const engine: DockerEngine = {
    dir,
    env,
    pid,
    logFile,
    docker: (args, timeoutMs = 120_000) => run('docker', args, { env, cwd: dir, timeoutMs }),
    async stop() {
      if (exited !== null || !alive(pid)) return;
      process.kill(pid, 'SIGTERM');
      const deadline = Date.now() + 30_000;
      while (exited === null && Date.now() < deadline) await sleep(100);
      if (exited === null) {
        process.kill(pid, 'SIGKILL');
        while (exited === null) await sleep(50);
      }
    },
  };
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (exited !== null) {
      throw new Error(`dockerd exited at start (${exited}): ${await fileTail(logFile)}; see ${logFile}`);
    }
    const r = await engine.docker(['version', '--format', '{{.Server.Version}}'], 5_000);
    if (r.code === 0) break;
    if (Date.now() > deadline) {
      await engine.stop();
      throw new Error(`dockerd did not answer on ${socket} within 30 s: ${await fileTail(logFile)}`);
    }
    await sleep(200);
  }
  return engine;
}

/** net.ipv4.ip_forward as it is now ("0" or "1"). */
export const ipForward = async (): Promise<string> =>
  (await readFile('/proc/sys/net/ipv4/ip_forward', 'utf8')).trim();

/** Mounts dockerd left under dir (overlay layers, netns files), deepest first. */
export async function mountsUnder(dir: string): Promise<string[]> {
  const text = await readFile('/proc/self/mounts', 'utf8');
  return text
    .split('\n')
    .map((l) => l.split(' ')[1] ?? '')
    .map((p) => p.replace(/\\040/g, ' '))
    .filter((p) => p === dir || p.startsWith(`${dir}/`))
    .sort((a, b) => b.length - a.length);
}

/** Removes the engine's dir once dockerd is gone: unmounts what it left, then deletes. */
export async function removeEngineDir(dir: string): Promise<void> {
  for (const m of await mountsUnder(dir)) await run('umount', ['-l', m]);
  await rm(dir, { recursive: true, force: true });
}

/** The Debian mirror this machine's apt uses (deb822 or one-line sources), else deb.debian.org. */
export async function debianMirror(): Promise<string> {
  const files = ['/etc/apt/sources.list'];
  const d = '/etc/apt/sources.list.d';
  for (const f of await readdir(d).catch(() => [])) files.push(join(d, f));
  for (const f of files) {
    const text = await readFile(f, 'utf8').catch(() => '');
    for (const m of text.matchAll(/^(?:URIs:\s*|deb\s+(?:\[[^\]]*\]\s+)?)(\S+)/gm)) {
      const uri = m[1] ?? '';
      if (/^https?:\/\/[^ ]+\/debian\/?$/.test(uri)) return uri;
    }
  }
  return 'http://deb.debian.org/debian';
}

/**
 * The base images the Dockerfiles name in FROM, made without a registry: Debian 12 from Debian's
 * packages (debootstrap minbase) as `debian:bookworm-slim`, and that plus this machine's node
 * binary as `node:20-bookworm-slim`. Returns the tags it made.
 */
export async function buildBaseImages(
  engine: DockerEngine,
  timings: Record<string, number>,
): Promise<string[]> {
  const rootfs = join(engine.dir, 'rootfs');
  let t = Date.now();
  const mirror = await debianMirror();
  const boot = await run('debootstrap', ['--variant=minbase', 'bookworm', rootfs, mirror], {
    timeoutMs: 300_000,
  });
  if (boot.code !== 0) {
    throw new Error(`debootstrap of bookworm from ${mirror}: ${describeFailure('debootstrap', boot)}`);
  }
  // The downloaded .debs are not part of a slim image.
  await run('sh', ['-c', 'rm -f "$1"/var/cache/apt/archives/*.deb', 'clean', rootfs]);
  timings.debootstrapMs = Date.now() - t;

  t = Date.now();
  const tar = spawn('tar', ['-C', rootfs, '-c', '.'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const imp = spawn('docker', ['import', '-', 'debian:bookworm-slim'], {
    env: engine.env,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  tar.stdout.pipe(imp.stdin);
  let impErr = '';
  imp.stderr.setEncoding('utf8').on('data', (s: string) => {
    impErr += s;
  });
  const code = await new Promise<number | null>((resolve) => imp.on('close', resolve));
  if (code !== 0) throw new Error(`docker import of the debootstrap tree: exit ${code}: ${impErr.trim()}`);
  await rm(rootfs, { recursive: true, force: true });
  timings.importMs = Date.now() - t;

  t = Date.now();
  const ctx = join(engine.dir, 'node-image');
  await mkdir(ctx, { recursive: true });
  await copyFile(process.execPath, join(ctx, 'node'));
  const dockerfile = await readFile(new URL('./node-image.Dockerfile', import.meta.url), 'utf8');
  await writeFile(join(ctx, 'Dockerfile'), dockerfile);
  await dockerChecked(engine, 'building the stand-in node:20-bookworm-slim', 'docker', [
    ...['build', '--network', 'host', '-t', 'node:20-bookworm-slim', ctx],
  ]);
  await rm(ctx, { recursive: true, force: true });
  timings.nodeImageMs = Date.now() - t;
  return ['debian:bookworm-slim', 'node:20-bookworm-slim'];
}
