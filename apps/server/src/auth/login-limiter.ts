/**
 * Sign-in limits, checked before the password is hashed, so guessing costs the attacker time and
 * costs the controller no CPU:
 * - per user name and address, and per address, in sliding windows (one address guessing);
 * - per account, whatever the address: after `threshold` failures each further attempt waits
 *   1, 2, 4 … s up to `capMs` (many addresses guessing one password);
 * - a browser with a device cookie of that user (it signed in before) skips the address limits
 *   and the account backoff, so an attacker cannot lock the real user out; its own wrong
 *   passwords are limited per device like the per-user limit, and still count for the account.
 *
 * An attempt is counted as a failure when it is admitted, not when its hash comparison ends:
 * concurrent attempts would otherwise all pass the check before the first failure is recorded.
 */
export interface LimiterOptions {
  perUser: { max: number; windowMs: number };
  perAddress: { max: number; windowMs: number };
  perAccount: { threshold: number; baseMs: number; capMs: number; forgetMs: number };
}

export const DEFAULT_LIMITS: LimiterOptions = {
  perUser: { max: 5, windowMs: 60_000 },
  perAddress: { max: 20, windowMs: 10 * 60_000 },
  perAccount: { threshold: 5, baseMs: 1000, capMs: 5 * 60_000, forgetMs: 60 * 60_000 },
};

export interface LoginAttempt {
  address: string;
  username: string;
  /** Id of a device cookie valid for this user (its hash), or null. */
  device: string | null;
}

/** Which limit refused: named in the audit log and the 429. */
export type LimitKind = 'user-address' | 'address' | 'account';

export type Admission = { wait: 0; limit: null } | { wait: number; limit: LimitKind };

interface AccountState {
  failures: number;
  last: number;
}

/** Keys kept at most; beyond it, old or low-count keys are forgotten first. */
const MAX_KEYS = 10_000;

export class LoginLimiter {
  private readonly failures = new Map<string, number[]>();
  private readonly accounts = new Map<string, AccountState>();

  constructor(private readonly opts: LimiterOptions = DEFAULT_LIMITS) {}

  /**
   * Seconds to wait (and the limit that says so), or wait 0: then the attempt is admitted and
   * counted as failed until succeed() is called for it.
   */
  admit(a: LoginAttempt, now = Date.now()): Admission {
    const trusted = a.device !== null && this.wait(`d|${a.device}`, this.opts.perUser, now) === 0;
    if (!trusted) {
      const checks: [LimitKind, number][] = [
        ['user-address', this.wait(userKey(a), this.opts.perUser, now)],
        ['address', this.wait(`a|${a.address}`, this.opts.perAddress, now)],
        ['account', this.accountWait(a.username, now)],
      ];
      let worst: [LimitKind, number] | null = null;
      for (const c of checks) if (c[1] > 0 && (!worst || c[1] > worst[1])) worst = c;
      if (worst) return { wait: worst[1], limit: worst[0] };
    }
    // Counted now; a right password takes it back.
    const keys = trusted ? [`d|${a.device}`] : [userKey(a), `a|${a.address}`];
    for (const key of keys) this.push(key, now);
    const acc = this.accounts.get(a.username);
    this.accounts.set(a.username, { failures: (acc?.failures ?? 0) + 1, last: now });
    this.bound(now);
    return { wait: 0, limit: null };
  }

  /** The admitted attempt had the right password: it was not a failure. */
  succeed(a: LoginAttempt): void {
    this.failures.delete(userKey(a));
    this.accounts.delete(a.username);
    if (a.device !== null) this.failures.delete(`d|${a.device}`);
    // The address keeps its other failures, only this attempt is taken back.
    const list = this.failures.get(`a|${a.address}`);
    if (list && a.device === null) list.pop();
  }

  private push(key: string, now: number): void {
    const list = this.failures.get(key) ?? [];
    list.push(now);
    // Only the newest `max` matter for the wait; a longer list is memory an attacker chose.
    const keep = key.startsWith('a|') ? this.opts.perAddress.max : this.opts.perUser.max;
    if (list.length > keep) list.splice(0, list.length - keep);
    this.failures.set(key, list);
  }

  private accountWait(username: string, now: number): number {
    const acc = this.accounts.get(username);
    if (!acc) return 0;
    const p = this.opts.perAccount;
    if (now - acc.last >= p.forgetMs) {
      this.accounts.delete(username);
      return 0;
    }
    if (acc.failures < p.threshold) return 0;
    const delay = Math.min(p.capMs, p.baseMs * 2 ** (acc.failures - p.threshold));
    const left = acc.last + delay - now;
    return left > 0 ? Math.max(1, Math.ceil(left / 1000)) : 0;
  }

  private wait(key: string, limit: { max: number; windowMs: number }, now: number): number {
    const list = (this.failures.get(key) ?? []).filter((t) => now - t < limit.windowMs);
    if (list.length === 0) this.failures.delete(key);
    else this.failures.set(key, list);
    if (list.length < limit.max) return 0;
    const oldest = list[list.length - limit.max] ?? now;
    return Math.max(1, Math.ceil((oldest + limit.windowMs - now) / 1000));
  }

  /**
   * Bounds memory under a spray of addresses and names. Accounts with few failures go first:
   * spraying fresh names must not wipe the backoff of the account actually under attack.
   */
  private bound(now: number): void {
    if (this.failures.size > MAX_KEYS) {
      for (const k of [...this.failures.keys()].slice(0, MAX_KEYS / 10)) this.failures.delete(k);
    }
    if (this.accounts.size > MAX_KEYS) {
      const forget = this.opts.perAccount.forgetMs;
      for (const [k, v] of this.accounts) if (now - v.last >= forget) this.accounts.delete(k);
      if (this.accounts.size > MAX_KEYS) {
        const byCount = [...this.accounts].sort((x, y) => x[1].failures - y[1].failures);
        for (const [k] of byCount.slice(0, this.accounts.size - MAX_KEYS + MAX_KEYS / 10)) {
          this.accounts.delete(k);
        }
      }
    }
  }
}

function userKey(a: LoginAttempt): string {
  return `u|${a.address}|${a.username}`;
}
