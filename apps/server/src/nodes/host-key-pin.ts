// The host key side of one SshTransport: which key is pinned, which one the server last offered,
// and whether a mismatch has stopped the node. Kept apart so the transport stays about the link.
import type { HostKeyStatus } from '@walboard/shared/status';
import { keyType, sshFingerprint } from './ssh-support.ts';

/** A host key as the server presented it during key exchange. */
export interface OfferedKey {
  fingerprint: string;
  /** e.g. ssh-ed25519 */
  type: string;
}

export class HostKeyPin {
  private offered: OfferedKey | null = null;
  private verified: { type: string; blob: string; fingerprint: string } | null = null;
  private halted = false;
  private readonly listeners = new Set<(status: HostKeyStatus) => void>();
  private lastSent: string;
  /** What listeners were last told; status() answers this, so a poll between verify() and the
   * connection's close never shows the alarm with the previous reason for being down. */
  private published: HostKeyStatus;

  constructor(
    private pin: string | null,
    /** Where the pin comes from, for messages: "walboard.yaml", "pinned by alice on …". */
    private origin: string,
  ) {
    this.published = this.current();
    this.lastSent = JSON.stringify(this.published);
  }

  get pinned(): string | null {
    return this.pin;
  }

  get pinOrigin(): string {
    return this.origin;
  }

  /** The last key the server offered (by any connection or probe), null before the first. */
  get lastOffered(): OfferedKey | null {
    return this.offered;
  }

  /**
   * The whole host key that matched the pin at the last successful key exchange: what link-nodes
   * writes into another node's known_hosts. null until a connection has verified it, and whenever
   * the pin has changed since.
   */
  get verifiedKey(): { type: string; blob: string } | null {
    if (!this.verified || this.verified.fingerprint !== this.pin) return null;
    return { type: this.verified.type, blob: this.verified.blob };
  }

  /** A mismatch stopped the node: nothing connects until a key is pinned again. */
  get stopped(): boolean {
    return this.halted;
  }

  /**
   * ssh2's hostVerifier, run during key exchange before any authentication. Without a pin it always
   * says no: the connection only learns the key, it never logs in nor sends credentials. Listeners
   * hear of it from announce(), once the connection has settled: the alarm and the link's reason
   * for being down then reach them together.
   */
  verify(key: Buffer): boolean {
    const offered = { fingerprint: sshFingerprint(key), type: keyType(key) };
    this.offered = offered;
    const ok = this.pin !== null && offered.fingerprint === this.pin;
    if (ok)
      this.verified = { type: offered.type, blob: key.toString('base64'), fingerprint: offered.fingerprint };
    // Decided here, at the moment of truth: the transport must not retry once it closes.
    if (this.pin !== null && !ok) this.halted = true;
    return ok;
  }

  /** Tells listeners about a change verify() made, if any. */
  announce(): void {
    this.notify();
  }

  /** Records what a probe saw; a probe never stops the node (it verifies nothing). */
  noteOffered(offered: OfferedKey): void {
    this.offered = offered;
    this.notify();
  }

  /** Pins a key (and lifts a mismatch stop). */
  set(fingerprint: string, origin: string): void {
    this.pin = fingerprint;
    this.origin = origin;
    this.halted = false;
    this.notify();
  }

  status(): HostKeyStatus {
    return this.published;
  }

  private current(): HostKeyStatus {
    return {
      state: this.halted ? 'mismatch' : this.pin === null ? 'unknown' : 'pinned',
      pinned: this.pin,
      offered: this.offered?.fingerprint ?? null,
      offeredType: this.offered?.type ?? null,
    };
  }

  /** Called with the new status whenever it changes (not on every re-check that saw the same key). */
  onChange(cb: (status: HostKeyStatus) => void): () => void {
    this.listeners.add(cb);
    return () => this.listeners.delete(cb);
  }

  private notify(): void {
    const status = this.current();
    const key = JSON.stringify(status);
    if (key === this.lastSent) return;
    this.lastSent = key;
    this.published = status;
    for (const cb of this.listeners) cb(status);
  }
}

/** Where OpenSSH keeps the public host key of this type, for the "compare it with" hint. */
export function hostKeyFileFor(type: string): string {
  const kind = type.startsWith('ecdsa-')
    ? 'ecdsa'
    : type === 'ssh-rsa' || type.startsWith('rsa-')
      ? 'rsa'
      : type === 'ssh-ed25519'
        ? 'ed25519'
        : '*';
  return `/etc/ssh/ssh_host_${kind}_key.pub`;
}
