// Pieces of SshTransport that need no ssh2: fingerprints, the session semaphore, the job wrapper.
import { createHash } from 'node:crypto';
import type { EventEmitter } from 'node:events';
import { PassThrough, type Readable } from 'node:stream';
import { TransportError } from './transport.ts';

/** `SHA256:<base64 without padding>` of an SSH public key blob: what `ssh-keygen -lf` prints. */
export function sshFingerprint(key: Buffer): string {
  return `SHA256:${createHash('sha256').update(key).digest('base64').replace(/=+$/, '')}`;
}

/** The algorithm name at the start of an SSH public key blob, e.g. `ssh-ed25519`. */
export function keyType(key: Buffer): string {
  if (key.length < 4) return 'unknown';
  const len = key.readUInt32BE(0);
  return len > 0 && len < 64 && key.length >= 4 + len
    ? key.subarray(4, 4 + len).toString('latin1')
    : 'unknown';
}

// Runs argv via `exec "$@"` after printing the process group id on stderr's first line. OpenSSH
// cannot signal a root session (it runs in the monitor, "session signalling requires privilege
// separation") and ssh2 drops signal requests after stdin's EOF, so on timeout or stop() the
// group is killed by a second command instead. Process group = what sshd setsid()s per session.
export const JOB_WRAPPER =
  'read -r _ _ _ _ g _ </proc/$$/stat && printf "walboard-pgid:%s\\n" "$g" >&2; exec "$@"';

/**
 * JOB_WRAPPER for a command without input that must not outlive walboard's connection (a copy):
 * a watcher holds the session's stdin, which sshd closes when the command exits or the connection
 * is gone (the controller killed), and then kills the whole process group — a controller that
 * is no longer there leaves nothing copying. The command itself reads /dev/null. (sh gives a
 * background list /dev/null as stdin, hence the copy of stdin on fd 3.)
 */
export const TIED_JOB_WRAPPER =
  'read -r _ _ _ _ g _ </proc/$$/stat && printf "walboard-pgid:%s\\n" "$g" >&2; exec 3<&0; { cat <&3 >/dev/null; kill -s KILL -- "-$g"; } >/dev/null 2>&1 & exec "$@" </dev/null 3<&-';
const PGID_HEADER = /^walboard-pgid:(\d+)$/;

/** Removes the wrapper's pgid line from the start of stderr and reports the pgid. */
export function splitPgidHeader(stderr: Readable, onPgid: (pgid: number) => void): Readable {
  const out = new PassThrough();
  let head: Buffer | null = Buffer.alloc(0);
  const flushHead = (final: boolean) => {
    if (!head) return;
    const nl = head.indexOf(10);
    if (nl < 0 && head.length < 64 && !final) return;
    const m = PGID_HEADER.exec(head.subarray(0, nl < 0 ? head.length : nl).toString('latin1'));
    if (m) onPgid(Number(m[1]));
    const rest = m ? head.subarray(nl + 1) : head;
    head = null;
    if (rest.length > 0) out.write(rest);
  };
  stderr.on('data', (b: Buffer) => {
    if (!head) return void out.write(b);
    head = Buffer.concat([head, b]);
    flushHead(false);
  });
  stderr.on('end', () => {
    flushHead(true);
    out.end();
  });
  return out;
}

/** Resolves once `r` has ended (or closed without ending). */
export function ended(r: Readable): Promise<void> {
  return new Promise((resolve) => {
    if (r.readableEnded) resolve();
    else r.once('end', () => resolve()).once('close', () => resolve());
  });
}

/** Counts open session channels so we never ask for more than the server's MaxSessions. */
export class Semaphore {
  private active = 0;
  private readonly waiters: { grant: () => void; fail: (err: Error) => void }[] = [];
  constructor(private readonly max: number) {}

  acquire(signal?: AbortSignal): Promise<() => void> {
    return new Promise((resolve, reject) => {
      let released = false;
      const release = () => {
        if (released) return;
        released = true;
        this.active--;
        this.waiters.shift()?.grant();
      };
      const grant = () => {
        signal?.removeEventListener('abort', onAbort);
        this.active++;
        resolve(release);
      };
      const waiter = { grant, fail: reject };
      const onAbort = () => {
        const i = this.waiters.indexOf(waiter);
        if (i >= 0) this.waiters.splice(i, 1);
        reject(signal?.reason);
      };
      if (this.active < this.max) return grant();
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiters.push(waiter);
    });
  }

  failAll(err: Error): void {
    for (const w of this.waiters.splice(0)) w.fail(err);
  }
}

/** What describeConnectError needs to know about the failed connection. */
export interface ConnectContext {
  node: string;
  where: string;
  user: string;
  /** The effective pin; null when none is set (the connection only learns the key). */
  pinned: string | null;
  /** Where the pin comes from: "walboard.yaml", "pinned by alice on …". */
  pinOrigin: string;
  offered: { fingerprint: string; type: string } | null;
  /** Where the server keeps that key, for the "compare it with" hint. */
  hostKeyFile: string;
}

/** Turns an ssh2 connection error into a TransportError that says what to do. */
export function describeConnectError(err: Error & { level?: string }, c: ConnectContext): TransportError {
  const { offered } = c;
  // Both cases use code host-key-mismatch: the offered key is not the pin (there is none yet).
  if (offered && c.pinned === null) {
    return new TransportError(
      'host-key-mismatch',
      c.node,
      `${c.where}: host key not pinned: the server offers ${offered.type} ${offered.fingerprint}; walboard ` +
        `did not log in. An admin can compare it with \`ssh-keygen -lf ${c.hostKeyFile}\` on the server ` +
        `and pin it (or set ssh.hostKey in walboard.yaml).`,
      'walboard never connects to a server whose host key nobody has checked',
    );
  }
  if (offered && offered.fingerprint !== c.pinned) {
    return new TransportError(
      'host-key-mismatch',
      c.node,
      `host key mismatch for ${c.where}: the server offered the ${offered.type} key ${offered.fingerprint}, ` +
        `but the pinned key is ${c.pinned} (${c.pinOrigin}). walboard refused it before authenticating and ` +
        `stopped connecting to this node. Check on the server (ssh-keygen -lf ${c.hostKeyFile}) that ` +
        `${offered.fingerprint} really is its key; only then pin it (an admin, from the page, or ssh.hostKey ` +
        `in walboard.yaml when no key was pinned from the page).`,
      'a changed host key means the server was reinstalled or someone is intercepting the connection',
    );
  }
  if (err.level === 'client-authentication') {
    return new TransportError(
      'auth-failed',
      c.node,
      `${c.where} refused the SSH key for user ${c.user}: ${err.message}`,
      `add the controller's public key to ~${c.user}/.ssh/authorized_keys on the node`,
    );
  }
  return new TransportError('unreachable', c.node, `cannot reach ${c.where}: ${err.message}`);
}

/** The part of an ssh2 exec channel trackJob uses. */
interface JobChannel extends EventEmitter {
  stderr: Readable;
  close(): void;
}

/**
 * Listens to a JOB_WRAPPER channel: exit status, pgid line, close. Must be attached synchronously
 * when the channel opens. kill() kills the process group (once its pgid is known) and closes.
 */
export function trackJob(
  ch: JobChannel,
  on: { killGroup: (pgid: number) => void; warn: (why: string) => void },
  opts: { reapAfterExitMs?: number } = {},
) {
  let exit: { code: number | null; signal: string | null } | null = null;
  let pgid: number | null = null;
  let killWanted = false;
  let isClosed = false;
  ch.on('exit', (code: number | null, sig?: string) => {
    exit = { code: code ?? null, signal: sig ?? null };
    // The command is gone but the channel stays open while anything it started still holds its
    // output (pg_basebackup killed -9 leaves its WAL-streaming child running, forever): with
    // reapAfterExitMs, what is left of its process group is killed, so the channel closes.
    const reap = opts.reapAfterExitMs;
    if (reap !== undefined)
      setTimeout(() => {
        if (!isClosed && pgid !== null) on.killGroup(pgid);
      }, reap).unref();
  });
  const killNow = () => {
    if (exit === null && pgid !== null) on.killGroup(pgid);
    ch.close();
  };
  const stderr = splitPgidHeader(ch.stderr, (g) => {
    pgid = g;
    if (killWanted) killNow();
  });
  // ssh2 emits 'close' after the channel's own end; stderr ends on its own schedule.
  const closed = new Promise<void>((resolve) => ch.once('close', () => resolve())).then(() => {
    isClosed = true;
    return ended(stderr);
  });
  const kill = () => {
    if (killWanted) return;
    killWanted = true;
    if (exit !== null || pgid !== null) return killNow();
    // Started, but its pgid line has not arrived yet: killNow() runs when it does.
    setTimeout(() => {
      if (isClosed || pgid !== null) return;
      on.warn('its process group never arrived');
      ch.close();
    }, 5000).unref();
  };
  return { stderr, closed, kill, exit: () => exit };
}
