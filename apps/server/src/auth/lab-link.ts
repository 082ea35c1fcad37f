import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

const digest = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();

/**
 * The embedded lab's one-time sign-in link, as Jupyter does it: a random token printed by the
 * command that started walboard, so only whoever can read that terminal gets in. "From
 * 127.0.0.1" alone is not enough: every local account on a shared machine, and anything that
 * forwards a port with a loopback Host header, would be the lab's admin.
 */
export class LabSignInLink {
  private readonly hash: Buffer;
  private spent = false;
  readonly token: string;

  constructor(token: string = randomBytes(24).toString('base64url')) {
    this.token = token;
    this.hash = digest(token);
  }

  /** True once, for the right token; compared in constant time. */
  spend(candidate: unknown): boolean {
    if (typeof candidate !== 'string' || candidate.length > 256) return false;
    const ok = timingSafeEqual(digest(candidate), this.hash);
    if (!ok || this.spent) return false;
    this.spent = true;
    return true;
  }

  get used(): boolean {
    return this.spent;
  }

  /** The URL to print: the page reads the token, spends it, and drops it from the address bar. */
  url(base: string): string {
    // The embedded lab is where students start: the link opens the Lab view.
    return `${base}/?token=${this.token}#/lab`;
  }
}
