import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pgStreamFactory, SshTransport, type SshTransportOptions, sshFingerprint } from './ssh-transport.ts';
import { type SshdFixture, freePort, startSshd } from './test-support/sshd-fixture.ts';
import { TransportError } from './transport.ts';

const HOSTILE = ['$(id)', '`id`', ';rm -rf /', "'", '"', '\\', '', ' ', '-n', '*', '~', 'a\nb', 'café 😀', '$HOME'];

function transportFor(sshd: SshdFixture, extra: Partial<SshTransportOptions> = {}): SshTransport {
  return new SshTransport({
    node: 'n1',
    host: sshd.host,
    port: sshd.port,
    username: sshd.user,
    privateKey: sshd.privateKey,
    hostKey: sshd.hostKeyFingerprint,
    log: (m) => process.env.DBG && console.error('DBG', Date.now(), m),
    ...extra,
  });
}

/** Records onStateChange calls and lets a test wait for the next one matching `up`. */
function stateRecorder(t: SshTransport) {
  const events: { up: boolean; reason: string | null; at: number }[] = [];
  t.onStateChange((up, reason) => events.push({ up, reason, at: Date.now() }));
  const waitFor = async (up: boolean, after: number, timeoutMs: number) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const e = events.slice(after).find((x) => x.up === up);
      if (e) return e;
      if (Date.now() > deadline) throw new Error(`no onStateChange(${up}) within ${timeoutMs} ms: ${JSON.stringify(events)}`);
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
      fc.asyncProperty(fc.array(fc.oneof(arg, fc.constantFrom(...HOSTILE)), { maxLength: 6 }), async (argv) => {
        const res = await t.exec(['printf', '%s\\0', ...argv, 'end']);
        expect(res.stdout.split('\0').slice(0, -2)).toEqual(argv);
      }),
      { numRuns: 40 },
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
  });

  it('kills the command and rejects with timeout', async () => {
    const started = Date.now();
    const err = await expectRejectCode(t.exec(['sleep', '7.3141'], { timeoutMs: 300 }), 'timeout');
    expect(Date.now() - started).toBeLessThan(2000);
    expect(err.message).toContain('n1');
    for (let i = 0; i < 50 && processWithArgsExists(['sleep', '7.3141']); i++) await new Promise((r) => setTimeout(r, 40));
    expect(processWithArgsExists(['sleep', '7.3141'])).toBe(false);
    expect((await t.exec(['echo', 'still fine'])).stdout).toBe('still fine\n');
  });

  it('streams lines split across chunks, stderr apart, and stop() ends the command', async () => {
    const script = `printf 'a\\nb'; sleep 0.1; printf 'c\\nd\\n\\303'; sleep 0.1; printf '\\251\\n'; echo e >&2; printf tail`;
    const s = await t.stream(['sh', '-c', script]);
    const lines: string[] = [];
    s.onLine((line, from) => lines.push(`${from}:${line}`));
    expect(await s.done).toEqual({ code: 0, signal: null });
    expect(lines.filter((l) => l.startsWith('stdout:'))).toEqual(['stdout:a', 'stdout:bc', 'stdout:d', 'stdout:é', 'stdout:tail']);
    expect(lines).toContain('stderr:e');

    const long = await t.stream(['sh', '-c', 'echo ready; exec sleep 8.2718']);
    await new Promise<void>((resolve) => long.onLine(() => resolve()));
    long.stop();
    await long.done;
    for (let i = 0; i < 50 && processWithArgsExists(['sleep', '8.2718']); i++) await new Promise((r) => setTimeout(r, 40));
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
      ['conf \'quoted\'.txt', 'file'],
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

  it('refuses a host key that does not match the pin, before authenticating, and says what to do', async () => {
    const accepted = sshd.log().match(/Accepted publickey/g)?.length ?? 0;
    const wrong = sshFingerprint(Buffer.from('not the key'));
    const bad = transportFor(sshd, { hostKey: wrong });
    const rec = stateRecorder(bad);
    try {
      const err = await expectRejectCode(bad.connect(), 'host-key-mismatch');
      expect(err.message).toContain(sshd.hostKeyFingerprint);
      expect(err.message).toContain(wrong);
      expect(err.message).toContain('ssh-ed25519');
      expect(err.message).toMatch(/walboard\.yaml/);
      expect(bad.isUp()).toBe(false);
      expect(rec.events).toEqual([expect.objectContaining({ up: false, reason: err.message })]);
      // Calls fail at once with the same reason instead of waiting.
      const started = Date.now();
      await expectRejectCode(bad.exec(['true']), 'host-key-mismatch');
      expect(Date.now() - started).toBeLessThan(100);
      await new Promise((r) => setTimeout(r, 300));
      // sshd saw us disconnect with reason 3 (key exchange failed) before any authentication.
      expect(sshd.log()).toMatch(/Received disconnect from 127\.0\.0\.1 port \d+:3: .*\[preauth\]/);
      expect(sshd.log().match(/Accepted publickey/g)?.length ?? 0).toBe(accepted);
      expect(rec.events.filter((e) => e.up)).toEqual([]);
    } finally {
      await bad.close();
    }
  });
});
