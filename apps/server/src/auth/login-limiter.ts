/**
 * Failed logins per (address, user) and per address, in sliding windows. Checked before the
 * password is hashed, so guessing costs the attacker time and costs the controller no CPU.
 */
export interface LimiterOptions {
  perUser: { max: number; windowMs: number };
  perAddress: { max: number; windowMs: number };
}

export const DEFAULT_LIMITS: LimiterOptions = {
  perUser: { max: 5, windowMs: 60_000 },
  perAddress: { max: 20, windowMs: 10 * 60_000 },
};

export class LoginLimiter {
  private readonly failures = new Map<string, number[]>();

  constructor(private readonly opts: LimiterOptions = DEFAULT_LIMITS) {}

  /** Seconds to wait before another attempt, or 0 when one is allowed now. */
  retryAfter(address: string, username: string, now = Date.now()): number {
    const waits = [
      this.wait(`u|${address}|${username}`, this.opts.perUser, now),
      this.wait(`a|${address}`, this.opts.perAddress, now),
    ];
    return Math.max(...waits);
  }

  fail(address: string, username: string, now = Date.now()): void {
    for (const key of [`u|${address}|${username}`, `a|${address}`]) {
      const list = this.failures.get(key) ?? [];
      list.push(now);
      this.failures.set(key, list);
    }
    // Bound memory under a spray of addresses/names: forget the oldest keys.
    if (this.failures.size > 10_000) {
      for (const k of [...this.failures.keys()].slice(0, 1000)) this.failures.delete(k);
    }
  }

  succeed(address: string, username: string): void {
    this.failures.delete(`u|${address}|${username}`);
  }

  private wait(key: string, limit: { max: number; windowMs: number }, now: number): number {
    const list = (this.failures.get(key) ?? []).filter((t) => now - t < limit.windowMs);
    if (list.length === 0) this.failures.delete(key);
    else this.failures.set(key, list);
    if (list.length < limit.max) return 0;
    const oldest = list[list.length - limit.max] ?? now;
    return Math.max(1, Math.ceil((oldest + limit.windowMs - now) / 1000));
  }
}
