import { describe, expect, it } from 'vitest';
import { type LoginAttempt, LoginLimiter } from './login-limiter.ts';

const T0 = 1_700_000_000_000;
const from = (address: string, username = 'alice', device: string | null = null): LoginAttempt => ({
  address,
  username,
  device,
});

describe('LoginLimiter', () => {
  it('limits one user from one address after 5 failures in a minute, with the seconds left', () => {
    const l = new LoginLimiter();
    for (let i = 0; i < 5; i++) expect(l.admit(from('10.0.0.1'), T0 + i).wait).toBe(0);
    const refused = l.admit(from('10.0.0.1'), T0 + 10_000);
    expect(refused.limit).toBe('user-address');
    // The first failure (T0) leaves the window at T0 + 60 s: 50 s from now.
    expect(refused.wait).toBe(50);
    expect(l.admit(from('10.0.0.1'), T0 + 60_001).wait).toBe(0);
  });

  it('limits an address after 20 failures whatever the user names', () => {
    const l = new LoginLimiter();
    for (let i = 0; i < 20; i++) expect(l.admit(from('10.0.0.1', `u${i}`), T0).wait).toBe(0);
    const refused = l.admit(from('10.0.0.1', 'someone-new'), T0 + 1000);
    expect(refused.limit).toBe('address');
    expect(refused.wait).toBe(599);
    // Another address is not affected.
    expect(l.admit(from('10.0.0.2', 'someone-new'), T0 + 1000).wait).toBe(0);
  });

  it('backs one account off exponentially across addresses: 1, 2, 4 … s after 5 failures, capped at 5 min', () => {
    const l = new LoginLimiter();
    let t = T0;
    let n = 0;
    const next = () => from(`192.0.2.${++n}`, 'victim');
    for (let i = 0; i < 5; i++) expect(l.admit(next(), t).wait).toBe(0);
    // 6th attempt from a fresh address right away: the account says wait 1 s.
    expect(l.admit(next(), t)).toEqual({ wait: 1, limit: 'account' });
    expect(l.admit(next(), t + 999)).toEqual({ wait: 1, limit: 'account' });
    t += 1000;
    expect(l.admit(next(), t).wait).toBe(0);
    // Each admitted failure doubles the wait.
    for (const expected of [2, 4, 8, 16, 32, 64, 128, 256, 300, 300]) {
      const r = l.admit(next(), t);
      expect(r).toEqual({ wait: expected, limit: 'account' });
      expect(l.admit(next(), t + expected * 1000 - 1).wait).toBeGreaterThan(0);
      t += expected * 1000;
      expect(l.admit(next(), t).wait).toBe(0);
    }
    // Other accounts are untouched, even from the same addresses.
    expect(l.admit(from('192.0.2.1', 'bob'), t).wait).toBe(0);
  });

  it('forgets an account an hour after its last failure, and on a right password', () => {
    const l = new LoginLimiter();
    for (let i = 0; i < 5; i++) l.admit(from(`192.0.2.${i}`, 'victim'), T0);
    expect(l.admit(from('192.0.2.99', 'victim'), T0).limit).toBe('account');
    expect(l.admit(from('192.0.2.99', 'victim'), T0 + 3600_000).wait).toBe(0);

    const m = new LoginLimiter();
    for (let i = 0; i < 4; i++) m.admit(from(`192.0.2.${i}`, 'victim'), T0);
    const right = from('192.0.2.50', 'victim');
    expect(m.admit(right, T0).wait).toBe(0);
    m.succeed(right);
    for (let i = 0; i < 5; i++) expect(m.admit(from(`198.51.100.${i}`, 'victim'), T0).wait).toBe(0);
  });

  it('counts an attempt when it is admitted: concurrent guesses cannot all slip through', () => {
    const l = new LoginLimiter();
    // 100 attempts arrive before any password check has finished.
    const admitted = Array.from({ length: 100 }, (_, i) =>
      l.admit(from(`203.0.113.${i}`, 'victim'), T0),
    ).filter((a) => a.wait === 0);
    expect(admitted).toHaveLength(5);
  });

  it('lets a device of the user past a limited address and a backed-off account', () => {
    const l = new LoginLimiter();
    for (let i = 0; i < 20; i++) l.admit(from('10.0.0.1', `spray${i}`), T0);
    for (let i = 0; i < 8; i++) l.admit(from(`192.0.2.${i}`, 'alice'), T0);
    expect(l.admit(from('10.0.0.1', 'alice'), T0 + 1).wait).toBeGreaterThan(0);
    const browser = from('10.0.0.1', 'alice', 'device-hash-1');
    expect(l.admit(browser, T0 + 1)).toEqual({ wait: 0, limit: null });
    l.succeed(browser);
    // The right password reset the account: the address limit still holds for others.
    expect(l.admit(from('10.0.0.1', 'bob'), T0 + 2).limit).toBe('address');
  });

  it("limits a device's own wrong passwords, which still count for the account", () => {
    const l = new LoginLimiter();
    const device = from('10.0.0.1', 'alice', 'device-hash-1');
    for (let i = 0; i < 5; i++) expect(l.admit(device, T0).wait).toBe(0);
    // Six failures of alice: the account backs off for everyone without a trusted device…
    expect(l.admit(from('192.0.2.1', 'alice'), T0).limit).toBe('account');
    // …and the device, its own 5 used up, is treated like any browser.
    expect(l.admit(device, T0).limit).toBe('account');
    // Its failures did not count against its address.
    expect(l.admit(from('10.0.0.1', 'bob'), T0).wait).toBe(0);
  });

  it('keeps the backoff of an attacked account while fresh names are sprayed', () => {
    const l = new LoginLimiter();
    for (let i = 0; i < 6; i++) l.admit(from(`192.0.2.${i}`, 'victim'), T0);
    for (let i = 0; i < 12_000; i++) l.admit(from(`10.${i >> 8}.${i & 255}.1`, `name${i}`), T0 + 1);
    expect(l.admit(from('198.51.100.1', 'victim'), T0 + 2).limit).toBe('account');
  });
});
