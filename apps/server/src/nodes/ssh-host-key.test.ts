import type { HostKeyStatus } from '@walboard/shared/status';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SshTransport } from './ssh-transport.ts';
import { type SshdFixture, sshTransportTo, startSshd } from './test-support/sshd-fixture.ts';
import { TransportError } from './transport.ts';

/** sshd at DEBUG1 logs one "userauth-request" line per authentication request it receives. */
const authRequests = (sshd: SshdFixture) => sshd.log().match(/userauth-request for user/g)?.length ?? 0;
const logins = (sshd: SshdFixture) => sshd.log().match(/Accepted publickey/g)?.length ?? 0;

async function until<T>(what: string, probe: () => T | null | undefined | false, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = probe();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function hostKeyRecorder(t: SshTransport) {
  const seen: HostKeyStatus[] = [];
  t.onHostKeyChange((s) => seen.push(s));
  return seen;
}

async function rejection(p: Promise<unknown>): Promise<TransportError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(TransportError);
  return err as TransportError;
}

describe('SshTransport host keys against a real sshd', () => {
  let sshd: SshdFixture;

  beforeAll(async () => {
    sshd = await startSshd({ logLevel: 'DEBUG1' });
  });
  afterAll(async () => {
    await sshd?.stop();
  });

  it('without a pin: key exchange only, never authenticates, shows the offered key and keeps it current', async () => {
    const conns0 = sshd.connectionCount();
    // slowRetryMs 300: re-checks come quickly enough to watch several in a short test.
    const t = sshTransportTo(sshd, { hostKey: null, slowRetryMs: 300 });
    const seen = hostKeyRecorder(t);
    try {
      const first = sshd.hostKeyFingerprint;
      const err = await rejection(t.connect());
      expect(err.code).toBe('host-key-mismatch');
      expect(err.message).toContain(`host key not pinned: the server offers ssh-ed25519 ${first}`);
      expect(err.message).toContain('ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub');
      expect(t.isUp()).toBe(false);
      expect(t.hostKeyStatus()).toEqual({
        state: 'unknown',
        pinned: null,
        offered: first,
        offeredType: 'ssh-ed25519',
      });
      // It keeps re-checking (slowly) instead of giving up…
      await until('3 re-checks', () => sshd.connectionCount() >= conns0 + 3);
      // …and a key that changes meanwhile is what the status shows next.
      const second = await sshd.replaceHostKey();
      await until('the new key offered', () => seen.find((s) => s.offered === second));
      expect(t.hostKeyStatus()).toMatchObject({ state: 'unknown', offered: second });
      // Every one of those connections ended in key exchange: not one authentication request.
      expect(sshd.log()).toMatch(/Received disconnect from 127\.0\.0\.1 port \d+:3: .*\[preauth\]/);
      expect(authRequests(sshd)).toBe(0);
      expect(logins(sshd)).toBe(0);
      await expect(t.exec(['true'])).rejects.toMatchObject({ code: 'host-key-mismatch' });

      // Control: the same client key IS accepted once the key is pinned, so the zero above means
      // "never tried", not "could not have logged in".
      await t.pinHostKey(second);
      expect(t.isUp()).toBe(true);
      expect((await t.exec(['echo', 'in'])).stdout).toBe('in\n');
      expect(authRequests(sshd)).toBeGreaterThan(0);
      expect(logins(sshd)).toBe(1);
      expect(t.hostKeyStatus()).toEqual({
        state: 'pinned',
        pinned: second,
        offered: second,
        offeredType: 'ssh-ed25519',
      });
    } finally {
      await t.close();
    }
  });

  it('a replaced host key: refused before auth, state mismatch, no more attempts until pinned again', async () => {
    const pinned = sshd.hostKeyFingerprint;
    // A transport that kept retrying would dial every ~0.3 s with this setting.
    const t = sshTransportTo(sshd, { hostKey: pinned, slowRetryMs: 300 });
    const seen = hostKeyRecorder(t);
    const down: string[] = [];
    t.onStateChange((up, reason) => {
      if (!up && reason) down.push(reason);
    });
    try {
      await t.connect();
      expect((await t.exec(['echo', 'before'])).stdout).toBe('before\n');
      const auth0 = authRequests(sshd);
      const logins0 = logins(sshd);

      const replaced = await sshd.replaceHostKey();
      const alarm = await until('mismatch', () => seen.find((s) => s.state === 'mismatch'));
      expect(alarm).toEqual({ state: 'mismatch', pinned, offered: replaced, offeredType: 'ssh-ed25519' });
      const reason = await until('down with the mismatch', () => down.find((r) => /mismatch/.test(r)));
      expect(reason).toContain(pinned);
      expect(reason).toContain(replaced);
      expect(reason).toContain('walboard.yaml');
      expect(reason).toMatch(/refused it before authenticating and stopped connecting/);
      // The connection to the new key never reached authentication.
      expect(authRequests(sshd)).toBe(auth0);
      expect(logins(sshd)).toBe(logins0);

      // Stopped: nothing dials, not even start() or connect(); calls fail at once with the reason.
      const conns = sshd.connectionCount();
      t.start();
      const started = Date.now();
      expect((await rejection(t.connect())).code).toBe('host-key-mismatch');
      expect((await rejection(t.exec(['true']))).message).toBe(reason);
      expect(Date.now() - started).toBeLessThan(100);
      await new Promise((r) => setTimeout(r, 2000));
      expect(sshd.connectionCount()).toBe(conns);
      expect(t.hostKeyStatus().state).toBe('mismatch');
      expect(seen.filter((s) => s.state === 'mismatch')).toHaveLength(1);

      // Asking the server for its key again costs one key-exchange-only connection.
      expect(await t.probeHostKey()).toEqual({ fingerprint: replaced, type: 'ssh-ed25519' });
      expect(sshd.connectionCount()).toBe(conns + 1);
      expect(authRequests(sshd)).toBe(auth0);

      await t.pinHostKey(replaced, 'pinned by test');
      expect(t.isUp()).toBe(true);
      expect((await t.exec(['echo', 'after'])).stdout).toBe('after\n');
      expect(t.hostKeyStatus()).toMatchObject({ state: 'pinned', pinned: replaced, offered: replaced });
    } finally {
      await t.close();
    }
  });

  it('a wrong pin from the start is a mismatch too, named with where the pin comes from', async () => {
    const wrong = `SHA256:${'x'.repeat(43)}`;
    const t = sshTransportTo(sshd, { hostKey: wrong, hostKeyOrigin: 'pinned by bob on 2025-01-01' });
    const events: { up: boolean; reason: string | null }[] = [];
    t.onStateChange((up, reason) => events.push({ up, reason }));
    try {
      const err = await rejection(t.connect());
      expect(events).toEqual([{ up: false, reason: err.message }]);
      expect(err.code).toBe('host-key-mismatch');
      expect(err.message).toContain(`the pinned key is ${wrong} (pinned by bob on 2025-01-01)`);
      expect(err.message).toContain(sshd.hostKeyFingerprint);
      expect(t.hostKeyStatus()).toMatchObject({ state: 'mismatch', pinned: wrong });
    } finally {
      await t.close();
    }
  });
});
