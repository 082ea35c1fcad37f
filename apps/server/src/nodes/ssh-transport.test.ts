import { execFileSync, spawn } from 'node:child_process';
import {
  chownSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
} from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pgStreamFactory, type SshTransport } from './ssh-transport.ts';
import { freePort, type SshdFixture, sshTransportTo, startSshd } from './test-support/sshd-fixture.ts';
import { TransportError } from './transport.ts';

const PG_BIN = '/usr/lib/postgresql/15/bin';
const postgresUser = {
  uid: Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' })),
  gid: Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' })),
};

/** A throwaway PostgreSQL 15 cluster on a free loopback port, run as the postgres OS user. */
async function startPostgres(): Promise<{ port: number; stop: () => Promise<void> }> {
  const dir = mkdtempSync('/tmp/walboard-pg-');
  chownSync(dir, postgresUser.uid, postgresUser.gid);
  const data = join(dir, 'data');
  const asPostgres = { ...postgresUser, cwd: dir };
  execFileSync(
    `${PG_BIN}/initdb`,
    ['-D', data, '-U', 'postgres', '--auth=trust', '--no-sync', '-E', 'UTF8', '--locale=C'],
    {
      ...asPostgres,
      stdio: 'ignore',
    },
  );
  const port = await freePort();
  const args = [
    '-D',
    data,
    '-p',
    String(port),
    '-k',
    dir,
    '-c',
    'listen_addresses=127.0.0.1',
    '-c',
    'fsync=off',
  ];
  const proc = spawn(`${PG_BIN}/postgres`, args, { ...asPostgres, stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  const ready = await new Promise<boolean>((resolve) => {
    proc.stderr?.on('data', (b: Buffer) => {
      log += b.toString();
      if (log.includes('ready to accept connections')) resolve(true);
    });
    void exited.then(() => resolve(false));
  });
  const stop = async () => {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGINT');
    await exited;
    rmSync(dir, { recursive: true, force: true });
  };
  if (!ready) {
    await stop();
    throw new Error(`PostgreSQL did not start:\n${log}`);
  }
  return { port, stop };
}

const HOSTILE = [
  '$(id)',
  '`id`',
  ';rm -rf /',
  "'",
  '"',
  '\\',
  '',
  ' ',
  '-n',
  '*',
  '~',
  'a\nb',
  'café 😀',
  '$HOME',
];

const transportFor = sshTransportTo;

/** Records onStateChange calls and lets a test wait for the next one matching `up`. */
function stateRecorder(t: SshTransport) {
  const events: { up: boolean; reason: string | null; at: number }[] = [];
  t.onStateChange((up, reason) => events.push({ up, reason, at: Date.now() }));
  const waitFor = async (up: boolean, after: number, timeoutMs: number) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const e = events.slice(after).find((x) => x.up === up);
      if (e) return e;
      if (Date.now() > deadline)
        throw new Error(`no onStateChange(${up}) within ${timeoutMs} ms: ${JSON.stringify(events)}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  return { events, waitFor };
}

function processWithArgsExists(args: string[]): boolean {
  const wanted = `${args.join('\0')}\0`;
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      if (readFileSync(`/proc/${pid}/cmdline`, 'utf8') === wanted) return true;
    } catch {
      // exited meanwhile
    }
  }
  return false;
}

async function expectRejectCode(p: Promise<unknown>, code: TransportError['code']): Promise<TransportError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(TransportError);
  expect((err as TransportError).code).toBe(code);
  return err as TransportError;
}

describe('SshTransport against a real sshd', () => {
  let sshd: SshdFixture;
  let t: SshTransport;
  let dir: string;

  beforeAll(async () => {
    sshd = await startSshd();
    t = transportFor(sshd);
    await t.connect();
    dir = mkdtempSync('/tmp/walboard-ssh-files-');
  });
  afterAll(async () => {
    await t?.close();
    await sshd?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('round-trips hostile argv exactly, over one connection', async () => {
    const r = await t.exec(['printf', '%s\\0', ...HOSTILE]);
    expect(r.code).toBe(0);
    expect(r.stdout.split('\0').slice(0, -1)).toEqual(HOSTILE);
    const arg = fc.string({ unit: 'binary', maxLength: 12 }).map((s) => s.replaceAll('\0', ''));
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.oneof(arg, fc.constantFrom(...HOSTILE)), { maxLength: 6 }),
        async (argv) => {
          const res = await t.exec(['printf', '%s\\0', ...argv, 'end']);
          expect(res.stdout.split('\0').slice(0, -2)).toEqual(argv);
        },
      ),
      { numRuns: 30 },
    );
    expect(sshd.log().match(/Accepted publickey/g)).toHaveLength(1);
  });

  it('passes stdin, keeps stdout and stderr apart, reports the exit code', async () => {
    const input = Buffer.concat([Buffer.from('line 1\nzero:\0:\n'), Buffer.alloc(300_000, 'x')]);
    const r = await t.exec(['sh', '-c', 'cat; echo oops >&2; exit 3'], { input });
    expect(r.code).toBe(3);
    expect(r.signal).toBeNull();
    expect(r.stdout).toBe(input.toString('utf8'));
    expect(r.stderr).toBe('oops\n');
    expect((await t.exec(['cat'])).stdout).toBe('');
    expect(await t.exec(['sh', '-c', 'kill -TERM $$'])).toMatchObject({ code: null, signal: 'SIGTERM' });
    await expect(t.exec([])).rejects.toThrow(/empty argv/);
  });

  it('kills the command and rejects with timeout', async () => {
    const started = Date.now();
    const err = await expectRejectCode(t.exec(['sleep', '7.3141'], { timeoutMs: 300 }), 'timeout');
    expect(Date.now() - started).toBeLessThan(2000);
    expect(err.message).toContain('n1');
    for (let i = 0; i < 50 && processWithArgsExists(['sleep', '7.3141']); i++)
      await new Promise((r) => setTimeout(r, 40));
    expect(processWithArgsExists(['sleep', '7.3141'])).toBe(false);
    expect((await t.exec(['echo', 'still fine'])).stdout).toBe('still fine\n');
  });

  it('streams lines split across chunks, stderr apart, and stop() ends the command', async () => {
    const script = `printf 'a\\nb'; sleep 0.1; printf 'c\\nd\\n\\303'; sleep 0.1; printf '\\251\\n'; echo e >&2; printf tail`;
    const s = await t.stream(['sh', '-c', script]);
    const lines: string[] = [];
    s.onLine((line, from) => lines.push(`${from}:${line}`));
    expect(await s.done).toEqual({ code: 0, signal: null });
    expect(lines.filter((l) => l.startsWith('stdout:'))).toEqual([
      'stdout:a',
      'stdout:bc',
      'stdout:d',
      'stdout:é',
      'stdout:tail',
    ]);
    expect(lines).toContain('stderr:e');

    const long = await t.stream(['sh', '-c', 'echo ready; exec sleep 8.2718']);
    await new Promise<void>((resolve) => long.onLine(() => resolve()));
    long.stop();
    await long.done;
    for (let i = 0; i < 50 && processWithArgsExists(['sleep', '8.2718']); i++)
      await new Promise((r) => setTimeout(r, 40));
    expect(processWithArgsExists(['sleep', '8.2718'])).toBe(false);
  });

  it('writes files atomically with the mode, reads, lists and stats them over sftp', async () => {
    const file = join(dir, "conf 'quoted'.txt");
    await t.writeFileAtomic(file, 'first\n', 0o666);
    expect(statSync(file).mode & 0o7777).toBe(0o666);
    await t.writeFileAtomic(file, Buffer.from('second\n'), 0o600);
    expect(readFileSync(file, 'utf8')).toBe('second\n');
    expect(statSync(file).mode & 0o7777).toBe(0o600);
    expect((await t.readFile(file)).toString()).toBe('second\n');
    await t.writeFileAtomic(join(dir, 'empty'), '');
    expect(statSync(join(dir, 'empty')).mode & 0o7777).toBe(0o644);

    mkdirSync(join(dir, 'sub'));
    symlinkSync('sub', join(dir, 'link'));
    const entries = await t.list(dir);
    expect(entries.map((e) => [e.name, e.type]).sort()).toEqual([
      ["conf 'quoted'.txt", 'file'],
      ['empty', 'file'],
      ['link', 'symlink'],
      ['sub', 'dir'],
    ]);
    const conf = entries.find((e) => e.name.startsWith('conf'));
    expect(conf?.size).toBe(7);
    expect(Math.abs((conf?.mtimeMs ?? 0) - statSync(file).mtimeMs)).toBeLessThan(1500);

    expect(await t.stat(file)).toMatchObject({ type: 'file', size: 7, mode: 0o600 });
    expect(await t.stat(join(dir, 'link'))).toMatchObject({ type: 'dir' });
    expect(await t.stat(join(dir, 'missing'))).toBeNull();
    await expectRejectCode(t.readFile(join(dir, 'missing')), 'not-found');
    await expectRejectCode(t.list(join(dir, 'missing')), 'not-found');
    await expectRejectCode(t.writeFileAtomic(join(dir, 'no-such-dir', 'f'), 'x'), 'not-found');
    expect(readdirSync(dir).filter((n) => n.includes('walboard-tmp'))).toEqual([]);
  });

  it('tunnels TCP with connectTcp and refuses closed ports with unreachable', async () => {
    const port = await freePort();
    const err = await expectRejectCode(t.connectTcp('127.0.0.1', port), 'unreachable');
    expect(err.message).toContain(`127.0.0.1:${port}`);
  });

  it('reports a refused key as auth-failed, naming the user', async () => {
    const keyDir = mkdtempSync('/tmp/walboard-other-key-');
    try {
      execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(keyDir, 'k')]);
      const stranger = transportFor(sshd, { privateKey: readFileSync(join(keyDir, 'k')) });
      try {
        const err = await expectRejectCode(stranger.connect(), 'auth-failed');
        expect(err.message).toContain('user root');
        await expectRejectCode(stranger.exec(['true']), 'auth-failed');
      } finally {
        await stranger.close();
      }
    } finally {
      rmSync(keyDir, { recursive: true, force: true });
    }
  });
});

describe('SshTransport to PostgreSQL through the tunnel', () => {
  let sshd: SshdFixture;
  let t: SshTransport;
  let pgServer: { port: number; stop: () => Promise<void> };

  beforeAll(async () => {
    [sshd, pgServer] = await Promise.all([startSshd(), startPostgres()]);
    t = transportFor(sshd);
  });
  afterAll(async () => {
    await t?.close();
    await Promise.all([sshd?.stop(), pgServer?.stop()]);
  });

  it('lets the pg driver query through pgStreamFactory', async () => {
    // pg is told an address it cannot reach itself: only the tunnel leads to the server.
    const config = {
      host: 'tunnel-only.invalid',
      port: 1,
      user: 'postgres',
      database: 'postgres',
      keepAlive: true,
      stream: pgStreamFactory(t, '127.0.0.1', pgServer.port),
    };
    const client = new pg.Client(config);
    await client.connect();
    try {
      const r = await client.query<{ one: number; addr: string }>(
        'select 1 as one, inet_client_addr()::text as addr',
      );
      expect(r.rows).toEqual([{ one: 1, addr: '127.0.0.1/32' }]);
    } finally {
      await client.end();
    }
    // The server hanging up reaches pg as the end of its stream.
    const doomed = new pg.Client(config);
    doomed.on('error', () => {});
    await doomed.connect();
    const ended = new Promise<void>((resolve) => doomed.on('end', () => resolve()));
    await doomed.query('select pg_terminate_backend(pg_backend_pid())').catch(() => {});
    await ended;

    const pool = new pg.Pool({ ...config, max: 3 });
    try {
      const rows = await Promise.all(
        [1, 2, 3, 4, 5].map((i) => pool.query<{ n: number }>('select $1::int as n', [i])),
      );
      expect(rows.map((r) => r.rows[0]?.n)).toEqual([1, 2, 3, 4, 5]);
    } finally {
      await pool.end();
    }
  });

  it('fails a pg connect with a clear error when nothing listens at the far end', async () => {
    const port = await freePort();
    const client = new pg.Client({ user: 'postgres', stream: pgStreamFactory(t, '127.0.0.1', port) });
    const err = await client.connect().then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(TransportError);
    expect((err as TransportError).message).toContain(`127.0.0.1:${port}`);
  });
  it('ends a tunnelled pg connection when the SSH connection drops, instead of hanging', async () => {
    const client = new pg.Client({
      user: 'postgres',
      stream: pgStreamFactory(t, '127.0.0.1', pgServer.port),
    });
    client.on('error', () => {});
    await client.connect();
    const ended = new Promise<void>((resolve) => client.on('end', () => resolve()));
    sshd.killConnections();
    await ended;
    await expect(client.query('select 1')).rejects.toThrow();
  });
});

describe('SshTransport session limit', () => {
  let sshd: SshdFixture;

  beforeAll(async () => {
    sshd = await startSshd({ maxSessions: 2 });
  });
  afterAll(async () => {
    await sshd?.stop();
  });

  const twenty = (t: SshTransport, seconds = '0.05') =>
    Promise.allSettled(
      Array.from({ length: 20 }, (_, i) =>
        t.exec(['sh', '-c', `sleep ${seconds}; echo "$1"`, 'sh', String(i)]),
      ),
    );

  it('control: sshd really refuses sessions beyond MaxSessions 2 when the transport allows more', async () => {
    const t = transportFor(sshd, { maxSessions: 10 });
    try {
      // Commands outlast the transport's open retries (~0.3 s), so the refusals must show.
      const results = await twenty(t, '1.5');
      expect(results.filter((r) => r.status === 'rejected').length).toBeGreaterThan(0);
    } finally {
      await t.close();
    }
  });

  it('runs 20 concurrent execs through maxSessions 2, all succeeding, with sftp holding a slot too', async () => {
    const t = transportFor(sshd, { maxSessions: 2 });
    try {
      expect(await t.stat('/')).toMatchObject({ type: 'dir' });
      const [results, file] = await Promise.all([twenty(t), t.readFile('/etc/hostname')]);
      expect(results.map((r) => (r.status === 'fulfilled' ? r.value.stdout : r.reason))).toEqual(
        Array.from({ length: 20 }, (_, i) => `${i}\n`),
      );
      expect(file.toString()).toBe(readFileSync('/etc/hostname', 'utf8'));
    } finally {
      await t.close();
    }
  });
});

describe('SshTransport as the postgres user', () => {
  let sshd: SshdFixture;
  let t: SshTransport;
  let dir: string;

  beforeAll(async () => {
    sshd = await startSshd({ user: 'postgres' });
    t = transportFor(sshd);
    dir = mkdtempSync('/tmp/walboard-ssh-pg-');
    chownSync(dir, postgresUser.uid, postgresUser.gid);
  });
  afterAll(async () => {
    await t?.close();
    await sshd?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('logs in to the locked postgres account, writes files it owns, and kills its commands on timeout', async () => {
    expect((await t.exec(['id', '-un'])).stdout).toBe('postgres\n');
    const file = join(dir, 'owned');
    await t.writeFileAtomic(file, 'x', 0o600);
    expect(statSync(file)).toMatchObject({ uid: postgresUser.uid, mode: 0o100600 });
    await expectRejectCode(t.readFile('/root/.bashrc'), 'command-failed');
    await expectRejectCode(t.exec(['sleep', '6.1803'], { timeoutMs: 200 }), 'timeout');
    for (let i = 0; i < 50 && processWithArgsExists(['sleep', '6.1803']); i++)
      await new Promise((r) => setTimeout(r, 40));
    expect(processWithArgsExists(['sleep', '6.1803'])).toBe(false);
  });
});

describe('SshTransport when the link breaks', () => {
  let sshd: SshdFixture;

  beforeAll(async () => {
    sshd = await startSshd();
  });
  afterAll(async () => {
    await sshd?.stop();
  });

  it('fails fast while sshd is down and comes back by itself when it restarts', async () => {
    const t = transportFor(sshd);
    const rec = stateRecorder(t);
    try {
      await t.connect();
      expect(await t.stat('/')).not.toBeNull();
      const running = expectRejectCode(t.exec(['sleep', '5']), 'unreachable');
      await new Promise((r) => setTimeout(r, 200));
      const mark = rec.events.length;
      await sshd.pause();
      expect((await running).message).toContain('connection lost while running sleep 5');
      const down = await rec.waitFor(false, mark, 5000);
      expect(down.reason).toMatch(/n1/);
      expect(t.isUp()).toBe(false);
      const started = Date.now();
      const err = await expectRejectCode(t.exec(['true']), 'unreachable');
      expect(Date.now() - started).toBeLessThan(200);
      expect(err.message).toContain('reconnecting');
      await expectRejectCode(t.readFile('/etc/hostname'), 'unreachable');

      await sshd.resume();
      await rec.waitFor(true, mark, 10_000);
      expect(t.isUp()).toBe(true);
      expect((await t.exec(['echo', 'back'])).stdout).toBe('back\n');
      // The SFTP session of the old connection is gone; a new one opens on demand.
      expect(await t.stat('/')).not.toBeNull();
    } finally {
      await t.close();
    }
    expect(rec.events.at(-1)).toMatchObject({ up: false, reason: 'closed' });
    await expectRejectCode(t.exec(['true']), 'closed');
    // close() stops reconnecting: sshd sees no new login afterwards.
    const logins = sshd.log().match(/Accepted publickey/g)?.length;
    sshd.killConnections();
    await new Promise((r) => setTimeout(r, 700));
    expect(sshd.log().match(/Accepted publickey/g)?.length).toBe(logins);
  });

  it('notices a frozen peer through keepalives within interval * (countMax + 1), then reconnects', async () => {
    const t = transportFor(sshd, { keepaliveIntervalMs: 250, keepaliveCountMax: 2 });
    const rec = stateRecorder(t);
    try {
      await t.connect();
      const mark = rec.events.length;
      const frozenAt = Date.now();
      sshd.freezeConnections();
      const down = await rec.waitFor(false, mark, 5000);
      expect(down.reason).toMatch(/keepalive/i);
      expect(down.at - frozenAt).toBeLessThan(250 * 3 + 600);
      await rec.waitFor(true, mark, 10_000);
      expect((await t.exec(['echo', 'fresh'])).stdout).toBe('fresh\n');
    } finally {
      await t.close();
      // Kills the frozen connection processes along with sshd, and brings it back.
      await sshd.restart();
    }
  });
});

describe('SshTransport.spawn: nothing a copy started outlives it or the connection', () => {
  let sshd: SshdFixture;
  let t: SshTransport;
  const pidOf = (args: string[]): number | null => {
    const wanted = `${args.join('\0')}\0`;
    for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
      try {
        if (readFileSync(`/proc/${pid}/cmdline`, 'utf8') === wanted) return Number(pid);
      } catch {
        // exited meanwhile
      }
    }
    return null;
  };
  const gone = async (args: string[], ms: number) => {
    for (let i = 0; i < ms / 40 && processWithArgsExists(args); i++)
      await new Promise((r) => setTimeout(r, 40));
    return !processWithArgsExists(args);
  };
  const appeared = async (args: string[]) => {
    for (let i = 0; i < 100 && !pidOf(args); i++) await new Promise((r) => setTimeout(r, 40));
    return pidOf(args);
  };

  beforeAll(async () => {
    sshd = await startSshd();
    t = transportFor(sshd);
    await t.connect();
  });
  afterAll(async () => {
    await t?.close();
    await sshd?.stop();
  });

  it('the command killed -9 by someone else: done says SIGKILL, and the child it left is killed too', async () => {
    // As pg_basebackup killed -9 leaves its WAL-streaming child holding the output open.
    const proc = await t.spawn(['sh', '-c', 'sleep 7.2718 & exec sleep 7.2719']);
    // A channel closes only once its output is read, as followProcess reads a copy's.
    proc.stdout.resume();
    proc.stderr.resume();
    const main = await appeared(['sleep', '7.2719']);
    expect(main).not.toBeNull();
    expect(await appeared(['sleep', '7.2718'])).not.toBeNull();
    process.kill(main as number, 'SIGKILL');
    const started = Date.now();
    // ssh2 reports the signal as OpenSSH names it ("KILL") prefixed with SIG.
    expect(await proc.done).toEqual({ code: null, signal: 'SIGKILL' });
    expect(Date.now() - started).toBeLessThan(5000);
    expect(await gone(['sleep', '7.2718'], 2000)).toBe(true);
  });

  it('a command that ends by itself still reports its output and exit code', async () => {
    const proc = await t.spawn(['sh', '-c', 'echo out; echo err >&2; exit 7']);
    let out = '';
    let err = '';
    proc.stdout.on('data', (b: Buffer) => {
      out += b.toString();
    });
    proc.stderr.on('data', (b: Buffer) => {
      err += b.toString();
    });
    expect(await proc.done).toEqual({ code: 7, signal: null });
    expect(out).toBe('out\n');
    expect(err).toBe('err\n');
  });
  it('the connection gone (the controller killed): the command and its children are killed on the host', async () => {
    const proc = await t.spawn(['sh', '-c', 'sleep 7.3718 & exec sleep 7.3719']);
    proc.done.catch(() => {});
    expect(await appeared(['sleep', '7.3719'])).not.toBeNull();
    sshd.killConnections();
    expect(await gone(['sleep', '7.3719'], 3000)).toBe(true);
    expect(await gone(['sleep', '7.3718'], 1000)).toBe(true);
  });
});
