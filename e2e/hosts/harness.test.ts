// Proves the test-host harness for real: namespaces, sshd with pinned host keys, postgres-to-
// postgres ssh/rsync, PostgreSQL with password auth, isolation, crash + restart, clean teardown.
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { crash, down, type HostsRun, isolate, psql, rejoin, runOnHost, startPg, up } from './harness.ts';
import { run as runCmd } from './proc.ts';

const isRoot = process.getuid?.() === 0;

/** 'connected', 'timeout' (silently dropped) or the socket error code (e.g. ECONNREFUSED). */
function tcpProbe(ip: string, port: number, timeoutMs: number): Promise<string> {
  return new Promise((resolve) => {
    const s = connect({ host: ip, port });
    const timer = setTimeout(() => {
      s.destroy();
      resolve('timeout');
    }, timeoutMs);
    s.once('connect', () => {
      clearTimeout(timer);
      s.destroy();
      resolve('connected');
    });
    s.once('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      resolve(err.code ?? err.message);
    });
  });
}

async function netnsNames(): Promise<string[]> {
  const r = await runCmd('ip', ['netns', 'list']);
  return r.stdout.split('\n').map((l) => l.split(' ')[0] ?? '');
}

describe.skipIf(!isRoot)('test hosts: two PostgreSQL 15 hosts', () => {
  let hosts: HostsRun | undefined;
  let scratch = '';
  const get = (): HostsRun => {
    if (!hosts) throw new Error('up() did not succeed');
    return hosts;
  };

  beforeAll(async () => {
    scratch = await mkdtemp(join(tmpdir(), 'wb-hosts-test-'));
    const started = Date.now();
    hosts = await up(2, [15, 15]);
    console.info(`up of 2 hosts took ${Date.now() - started} ms`);
  });

  afterAll(async () => {
    // Runs even when a test failed: the run must never outlive the file.
    if (hosts) await down(hosts);
    await rm(scratch, { recursive: true, force: true });
  });

  it('describes each host', () => {
    const r = get();
    expect(r.hosts.map((h) => h.name)).toEqual(['h1', 'h2']);
    for (const h of r.hosts) {
      expect(h.ip.startsWith(r.subnet.replace('0/24', ''))).toBe(true);
      expect(h.hostKeyFingerprint).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
      expect(h.pg.version).toBe(15);
      expect(existsSync(h.archiveDir)).toBe(true);
    }
  });

  it('lets the controller ssh to every host as postgres with pinned host keys only', async () => {
    const r = get();
    // Build known_hosts from the description and check it against the advertised fingerprints.
    const knownHosts = join(scratch, 'known_hosts');
    await writeFile(knownHosts, r.hosts.map((h) => `${h.ip} ${h.hostKeyPublic}\n`).join(''));
    for (const h of r.hosts) {
      const fp = await runCmd('ssh-keygen', ['-lf', '-'], { input: `${h.ip} ${h.hostKeyPublic}\n` });
      expect(fp.stdout.split(' ')[1]).toBe(h.hostKeyFingerprint);
    }
    const sshOpts = (file: string) => [
      ...['-i', r.controllerKeyPath, '-o', 'IdentitiesOnly=yes', '-o', 'BatchMode=yes'],
      ...['-o', 'StrictHostKeyChecking=yes', '-o', `UserKnownHostsFile=${file}`],
    ];
    for (const h of r.hosts) {
      const res = await runCmd('ssh', [...sshOpts(knownHosts), `postgres@${h.ip}`, 'id -un; hostname']);
      expect(res.stderr).toBe('');
      expect(res.stdout.split('\n').slice(0, 2)).toEqual(['postgres', h.name]);
    }
    // With h1's key listed for h2's address, strict checking must refuse: the keys are real.
    const [h1, h2] = r.hosts;
    if (!h1 || !h2) throw new Error('two hosts expected');
    const wrong = join(scratch, 'known_hosts_wrong');
    await writeFile(wrong, `${h2.ip} ${h1.hostKeyPublic}\n`);
    const bad = await runCmd('ssh', [...sshOpts(wrong), `postgres@${h2.ip}`, 'true']);
    expect(bad.code).toBe(255);
    expect(bad.stderr).toMatch(/REMOTE HOST IDENTIFICATION HAS CHANGED|Host key verification failed/);
  });

  it('lets postgres on h1 ssh and rsync into h2 archive dir without prompts', async () => {
    const r = get();
    const h2 = r.hosts[1];
    if (!h2) throw new Error('h2 missing');
    const who = await runOnHost(r, 'h1', ['ssh', `postgres@${h2.ip}`, 'hostname'], { asUser: 'postgres' });
    expect(who.stdout.trim()).toBe('h2');
    await runOnHost(r, 'h1', ['sh', '-c', 'echo "$(hostname) was here" > /tmp/wb-rsync-probe'], {
      asUser: 'postgres',
    });
    await runOnHost(
      r,
      'h1',
      ['rsync', '-a', '/tmp/wb-rsync-probe', `h2:${h2.archiveDir}/000000010000000000000001`],
      {
        asUser: 'postgres',
      },
    );
    await runOnHost(r, 'h1', ['rm', '-f', '/tmp/wb-rsync-probe'], { asUser: 'postgres' });
    expect(await readFile(join(h2.archiveDir, '000000010000000000000001'), 'utf8')).toBe('h1 was here\n');
  });

  it('serves PostgreSQL on each IP with password auth', async () => {
    const r = get();
    for (const h of r.hosts) {
      const rows = await psql<{ addr: string; v: string }>(
        r,
        h,
        'select host(inet_server_addr()) as addr, current_setting($1) as v',
        ['server_version_num'],
      );
      expect(rows).toEqual([{ addr: h.ip, v: expect.stringMatching(/^15\d{4}$/) }]);
    }
    await expect(psql(r, 'h1', 'select 1', [], { password: 'wrong' })).rejects.toThrow(
      /password authentication/,
    );
  });

  it('isolates a host with silent drops and rejoins it', async () => {
    const r = get();
    const h2 = r.hosts[1];
    if (!h2) throw new Error('h2 missing');
    await isolate(r, 'h2');
    expect(await tcpProbe(h2.ip, 5432, 1_500)).toBe('timeout');
    const blocked = await runOnHost(r, 'h1', ['ssh', '-o', 'ConnectTimeout=2', 'h2', 'true'], {
      asUser: 'postgres',
      check: false,
    });
    expect(blocked.code).toBe(255);
    expect(blocked.stderr).toMatch(/timed out/);
    // Inside the host, loopback keeps working: only the network is cut.
    const local = await runOnHost(r, 'h2', ['psql', '-Atc', 'select 1'], { asUser: 'postgres' });
    expect(local.stdout.trim()).toBe('1');
    await rejoin(r, 'h2');
    expect(await tcpProbe(h2.ip, 5432, 1_500)).toBe('connected');
    expect(await psql(r, 'h2', 'select 1 as one')).toEqual([{ one: 1 }]);
  });

  it('crashes a postmaster (reaped at once, no zombie) and starts it again', async () => {
    const r = get();
    const h1 = r.hosts[0];
    if (!h1) throw new Error('h1 missing');
    const { pid } = await crash(r, 'h1');
    // Our per-host init reaps immediately: not even a zombie /proc entry is left.
    expect(existsSync(`/proc/${pid}`)).toBe(false);
    expect(existsSync(join(h1.pg.dataDir, 'postmaster.pid'))).toBe(true);
    expect(await tcpProbe(h1.ip, 5432, 1_500)).toBe('ECONNREFUSED');
    await startPg(r, 'h1');
    expect(await psql(r, 'h1', 'select 1 as one')).toEqual([{ one: 1 }]);
  });

  it('down removes every namespace, link and file of the run', async () => {
    const r = get();
    const started = Date.now();
    await down(r);
    hosts = undefined;
    console.info(`down took ${Date.now() - started} ms`);
    expect((await netnsNames()).filter((n) => n.startsWith(`wbh-${r.run}-`))).toEqual([]);
    const links = await runCmd('ip', ['-o', 'link', 'show']);
    expect(links.stdout).not.toContain(r.run);
    expect(existsSync(r.runDir)).toBe(false);
    const routes = await runCmd('ip', ['-4', 'route', 'show']);
    expect(routes.stdout).not.toContain(r.subnet);
    // The harness's unreachable 10.213.0.0/16 route makes this fail locally: no packet leaves.
    expect(await tcpProbe(r.hosts[0]?.ip ?? '', 22, 1_000)).toMatch(/^E(HOST|NET)UNREACH$/);
  });
});

describe.skipIf(!isRoot)('test hosts: PostgreSQL versions from npm aliases', () => {
  let hosts: HostsRun | undefined;

  afterAll(async () => {
    if (hosts) await down(hosts);
  });

  it('runs PostgreSQL 10 and 18 side by side', async () => {
    hosts = await up(2, [10, 18]);
    const [h1, h2] = hosts.hosts;
    expect(h1?.pg.authMethod).toBe('md5');
    expect(h2?.pg.authMethod).toBe('scram-sha-256');
    const v10 = await psql<{ v: string }>(hosts, 'h1', "select current_setting('server_version_num') as v");
    const v18 = await psql<{ v: string }>(hosts, 'h2', "select current_setting('server_version_num') as v");
    expect(v10[0]?.v).toMatch(/^1000\d\d$/);
    expect(v18[0]?.v).toMatch(/^180\d{3}$/);
    await down(hosts);
    hosts = undefined;
  });
});
