// The same tail through a real sshd: the way walboard follows a remote node's log, including a
// dropped ssh connection in the middle.
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LogLine } from '@walboard/shared/status';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SshTransport } from '../nodes/ssh-transport.ts';
import { type SshdFixture, sshTransportTo, startSshd } from '../nodes/test-support/sshd-fixture.ts';
import { LogTail } from './log-tail.ts';

describe('LogTail over SshTransport', () => {
  let sshd: SshdFixture;
  let transport: SshTransport;
  let dir: string;
  let tail: LogTail | undefined;

  beforeAll(async () => {
    sshd = await startSshd();
    transport = sshTransportTo(sshd);
    transport.start();
    dir = mkdtempSync('/tmp/walboard-logtail-ssh-');
  });
  afterAll(async () => {
    await tail?.stop();
    await transport?.close();
    await sshd?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('follows a remote log and, after the ssh link drops and comes back, delivers the missed lines once', async () => {
    const file = join(dir, 'postgresql.log');
    writeFileSync(file, 'marker\n');
    const got: LogLine[] = [];
    let notify = () => {};
    const until = (text: string) =>
      new Promise<void>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`no "${text}" within 20 s; got ${got.length} lines`)),
          20_000,
        );
        notify = () => {
          if (got.some((l) => l.text === text)) {
            clearTimeout(timer);
            resolve();
          }
        };
        notify();
      });
    tail = new LogTail('lab', 'n1', transport, file, (ev) => {
      got.push(...ev.lines);
      notify();
    });
    tail.start();
    await until('marker');
    appendFileSync(file, '2026-11-25 10:00:00.000 UTC [1] ERROR:  over ssh\n');
    await until('2026-11-25 10:00:00.000 UTC [1] ERROR:  over ssh');

    const down = new Promise<void>((resolve) => {
      const off = transport.onStateChange((up) => {
        if (!up) {
          off();
          resolve();
        }
      });
    });
    sshd.killConnections();
    await down;
    appendFileSync(file, 'written while the link was down\n');
    await until('written while the link was down');
    appendFileSync(file, 'after the reconnect\n');
    await until('after the reconnect');

    expect(got.map((l) => l.text)).toEqual([
      'marker',
      '2026-11-25 10:00:00.000 UTC [1] ERROR:  over ssh',
      'written while the link was down',
      'after the reconnect',
    ]);
    expect(got[1]?.level).toBe('ERROR');
    expect(got.map((l) => l.seq - (got[0]?.seq ?? 0))).toEqual([0, 1, 2, 3]);
    expect(tail.starts).toBeGreaterThanOrEqual(2);
  });

  it('stops at once even when its ssh transport was closed first (shutdown order)', async () => {
    const other = new SshTransport({
      node: 'n2',
      host: sshd.host,
      port: sshd.port,
      username: sshd.user,
      privateKey: sshd.privateKey,
      hostKey: sshd.hostKeyFingerprint,
    });
    const file = join(dir, 'closed-first.log');
    writeFileSync(file, 'marker\n');
    let seen = false;
    // A long backoff: stop() comes while the tail waits to restart on a closed transport.
    const orphan = new LogTail(
      'lab',
      'n2',
      other,
      file,
      (ev) => {
        if (ev.lines.some((l) => l.text === 'marker')) seen = true;
      },
      { backoffMinMs: 5000 },
    );
    const started = new Promise<void>((resolve) => {
      const timer = setInterval(() => {
        if (seen) {
          clearInterval(timer);
          resolve();
        }
      }, 20);
    });
    orphan.start();
    await started;
    await other.close();
    await new Promise<void>((resolve) => {
      const timer = setInterval(() => {
        if (!orphan.following) {
          clearInterval(timer);
          resolve();
        }
      }, 10);
    });
    const t0 = performance.now();
    await orphan.stop();
    expect(performance.now() - t0).toBeLessThan(1000);
  });
});
