import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalTransport } from './local-transport.ts';
import { freePort } from './test-support/sshd-fixture.ts';
import { TransportError } from './transport.ts';

const postgresUser = {
  uid: Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' })),
  gid: Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' })),
};

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

async function gone(args: string[]): Promise<boolean> {
  for (let i = 0; i < 50 && processWithArgsExists(args); i++) await new Promise((r) => setTimeout(r, 40));
  return !processWithArgsExists(args);
}

async function rejection(p: Promise<unknown>, code: TransportError['code']): Promise<TransportError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(TransportError);
  expect((err as TransportError).code).toBe(code);
  return err as TransportError;
}

describe('LocalTransport', () => {
  const t = new LocalTransport({ node: 'local1' });
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync('/tmp/walboard-local-');
  });
  afterAll(async () => {
    await t.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('round-trips random hostile argv exactly through sh -c', async () => {
    const arg = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 12 }).map((s) => s.replaceAll('\0', '')),
      fc.constantFrom('$(id)', '`id`', "'", '"', '\\', '', '-n', '*', '~', 'a\nb', ';rm -rf /', 'ünï 😀'),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(arg, { maxLength: 6 }), async (argv) => {
        const r = await t.exec(['printf', '%s\\0', ...argv, 'end']);
        expect(r.stdout.split('\0').slice(0, -2)).toEqual(argv);
      }),
      { numRuns: 150 },
    );
  });

  it('passes stdin, keeps stdout and stderr apart, reports exit codes and signals', async () => {
    const input = `a\nb\0c${'x'.repeat(200_000)}`;
    const r = await t.exec(['sh', '-c', 'cat; echo oops >&2; exit 4'], { input });
    expect(r).toEqual({ code: 4, signal: null, stdout: input, stderr: 'oops\n' });
    expect((await t.exec(['cat'])).stdout).toBe('');
    expect(await t.exec(['sh', '-c', 'kill -TERM $$'])).toMatchObject({ code: null, signal: 'SIGTERM' });
    await expect(t.exec(['printf', 'a\0b'])).rejects.toThrow(/NUL byte/);
  });

  it('kills the whole process group on timeout', async () => {
    const started = Date.now();
    const err = await rejection(t.exec(['sh', '-c', 'sleep 7.5172 & wait'], { timeoutMs: 200 }), 'timeout');
    expect(Date.now() - started).toBeLessThan(1500);
    expect(err.message).toContain('local1');
    expect(await gone(['sleep', '7.5172'])).toBe(true);
  });

  it('streams lines across chunk boundaries, stderr apart; stop() kills the command', async () => {
    const s = await t.stream([
      'sh',
      '-c',
      `printf 'a\\nb'; sleep 0.1; printf 'c\\n\\303'; sleep 0.1; printf '\\251\\nend'; echo e >&2`,
    ]);
    // Lines printed before onLine() is called are replayed to the first listener.
    await new Promise((r) => setTimeout(r, 300));
    const lines: string[] = [];
    s.onLine((line, from) => lines.push(`${from}:${line}`));
    expect(await s.done).toEqual({ code: 0, signal: null });
    expect(lines.filter((l) => l.startsWith('stdout'))).toEqual([
      'stdout:a',
      'stdout:bc',
      'stdout:é',
      'stdout:end',
    ]);
    expect(lines).toContain('stderr:e');

    const long = await t.stream(['sh', '-c', 'echo ready; sleep 8.1828; echo never']);
    await new Promise<void>((resolve) => long.onLine(() => resolve()));
    long.stop();
    expect(await long.done).toEqual({ code: null, signal: 'SIGKILL' });
    expect(await gone(['sleep', '8.1828'])).toBe(true);
  });

  it('writes atomically with the exact mode, reads, lists and stats', async () => {
    const file = join(dir, "it's.conf");
    await t.writeFileAtomic(file, 'one\n', 0o666);
    expect(statSync(file).mode & 0o7777).toBe(0o666);
    await t.writeFileAtomic(file, Buffer.from('two\n'), 0o600);
    expect(readFileSync(file, 'utf8')).toBe('two\n');
    expect(statSync(file).mode & 0o7777).toBe(0o600);
    expect((await t.readFile(file)).toString()).toBe('two\n');
    mkdirSync(join(dir, 'sub'));
    symlinkSync('sub', join(dir, 'link'));
    const entries = await t.list(dir);
    expect(entries.map((e) => [e.name, e.type]).sort()).toEqual([
      ["it's.conf", 'file'],
      ['link', 'symlink'],
      ['sub', 'dir'],
    ]);
    expect(entries.find((e) => e.name === "it's.conf")).toMatchObject({ size: 4 });
    expect(await t.stat(file)).toMatchObject({ type: 'file', size: 4, mode: 0o600 });
    expect(await t.stat(join(dir, 'link'))).toMatchObject({ type: 'dir' });
    expect(await t.stat(join(dir, 'missing'))).toBeNull();
    await rejection(t.readFile(join(dir, 'missing')), 'not-found');
    await rejection(t.list(join(dir, 'missing')), 'not-found');
    expect(readdirSync(dir).filter((n) => n.includes('walboard-tmp'))).toEqual([]);
  });

  it('opens TCP connections and reports closed ports as unreachable', async () => {
    const server = createServer((sock) => sock.end('hello'));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const addr = server.address();
    const port = typeof addr === 'object' && addr ? addr.port : 0;
    try {
      const sock = await t.connectTcp('127.0.0.1', port);
      const chunks: Buffer[] = [];
      for await (const c of sock) chunks.push(c as Buffer);
      expect(Buffer.concat(chunks).toString()).toBe('hello');
    } finally {
      server.close();
    }
    await rejection(t.connectTcp('127.0.0.1', await freePort()), 'unreachable');
    expect(t.isUp()).toBe(true);
  });
});

describe('LocalTransport with runAs', () => {
  const t = new LocalTransport({ node: 'local-pg', runAs: postgresUser });
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync('/tmp/walboard-runas-');
    chownSync(dir, postgresUser.uid, postgresUser.gid);
  });
  afterAll(async () => {
    await t.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs commands as that user', async () => {
    const r = await t.exec(['sh', '-c', 'id -u; id -g; echo "$HOME $USER"; pwd']);
    const home = execFileSync('sh', ['-c', 'getent passwd postgres | cut -d: -f6'], {
      encoding: 'utf8',
    }).trim();
    expect(r.stdout).toBe(`${postgresUser.uid}\n${postgresUser.gid}\n${home} postgres\n${home}\n`);
  });

  it('does file operations as that user: ownership, modes and permissions are its own', async () => {
    const file = join(dir, 'a "b" $c.conf');
    await t.writeFileAtomic(file, 'v1', 0o640);
    await t.writeFileAtomic(file, 'v2 ünï', 0o644);
    expect(statSync(file)).toMatchObject({ uid: postgresUser.uid, gid: postgresUser.gid, mode: 0o100644 });
    expect((await t.readFile(file)).toString()).toBe('v2 ünï');
    expect(await t.stat(file)).toMatchObject({ type: 'file', size: 'v2 ünï'.length + 2, mode: 0o644 });
    expect(await t.stat(join(dir, 'nope'))).toBeNull();
    await rejection(t.readFile(join(dir, 'nope')), 'not-found');
    const entries = await t.list(dir);
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ name: 'a "b" $c.conf', type: 'file', size: 8 });
    expect(Math.abs((entries[0]?.mtimeMs ?? 0) - statSync(file).mtimeMs)).toBeLessThan(2);

    // A root-only file stays unreadable: the transport does not borrow the controller's rights.
    const secret = join(dir, 'secret');
    writeFileSync(secret, 'root only');
    chmodSync(secret, 0o600);
    const err = await rejection(t.readFile(secret), 'command-failed');
    expect(err.message).toMatch(/Permission denied/);
    await rejection(t.writeFileAtomic('/etc/walboard-should-not-exist', 'x'), 'command-failed');
    expect(readdirSync(dir).filter((n) => n.includes('walboard-tmp'))).toEqual([]);
  });

  it('close() kills what is still running and refuses new commands', async () => {
    const s = await t.stream(['sh', '-c', 'echo up; exec sleep 9.2653']);
    await new Promise<void>((resolve) => s.onLine(() => resolve()));
    await t.close();
    expect(await s.done).toMatchObject({ signal: 'SIGKILL' });
    expect(await gone(['sleep', '9.2653'])).toBe(true);
    await rejection(t.exec(['true']), 'closed');
  });
});
