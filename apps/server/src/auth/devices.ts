import { createHash, randomBytes } from 'node:crypto';
import type { DeviceStore } from '../store/device-store.ts';

/** How long a device cookie lives, and how long an unused device is remembered. */
export const DEVICE_MAX_AGE_MS = 180 * 24 * 3600_000;

const idOf = (token: string): string => createHash('sha256').update(token).digest('hex');

/**
 * Device cookies: a browser that signed in as a user gets a random token; the store keeps its
 * SHA-256 with the user name. It proves "this browser knew the password before", which lets it
 * past the per-address limit when an attacker shares its address (NAT, proxy).
 */
export class Devices {
  constructor(
    private readonly store: DeviceStore,
    private readonly clock: () => number = Date.now,
  ) {}

  /** The device's id (hash) when `token` is a live device cookie of `username`, else null. */
  validFor(token: string | undefined, username: string): string | null {
    if (!token || token.length > 256) return null;
    const id = idOf(token);
    const owner = this.store.owner(id, this.clock() - DEVICE_MAX_AGE_MS);
    return owner === username ? id : null;
  }

  /**
   * After a successful sign-in: the token to (re)send. A browser keeps its token when it is
   * already this user's device; otherwise it gets a new one.
   */
  remember(token: string | undefined, username: string): string {
    const now = this.clock();
    const known = this.validFor(token, username);
    if (token && known) {
      this.store.touch(known, now);
      return token;
    }
    const fresh = randomBytes(32).toString('base64url');
    this.store.insert(idOf(fresh), username, now);
    return fresh;
  }

  sweep(): number {
    return this.store.deleteUnusedSince(this.clock() - DEVICE_MAX_AGE_MS);
  }
}
