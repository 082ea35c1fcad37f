import { createHash } from 'node:crypto';
import { Duplex, PassThrough, type Readable } from 'node:stream';
import { Client, type ClientChannel, type FileEntryWithStats, type SFTPWrapper, type Stats } from 'ssh2';
import { atomicTempPath, createLineStream, DEFAULT_FILE_MODE, fileTypeOf } from './local-transport.ts';
import { shellQuote } from './shell-quote.ts';
import {
  type ExecOptions,
  type ExecResult,
  type FileEntry,
  type FileStat,
  type LineStream,
  type Transport,
  TransportError,
} from './transport.ts';

export interface SshTransportOptions {
  node: string;
  host: string;
  port: number;
  username: string;
  privateKey: Buffer | string;
  /** Pinned host key fingerprint, `SHA256:<base64 without padding>` as `ssh-keygen -lf` prints it. */
  hostKey: string;
  keepaliveIntervalMs?: number;
  keepaliveCountMax?: number;
  /** Session channels (exec, sftp) open at once; keep it at or below the server's MaxSessions. */
  maxSessions?: number;
  readyTimeoutMs?: number;
  log?: (message: string) => void;
}

const BACKOFF_MIN_MS = 250;
const BACKOFF_MAX_MS = 5000;
const SFTP_NO_SUCH_FILE = 2;

/** `SHA256:<base64 without padding>` of an SSH public key blob: what `ssh-keygen -lf` prints. */
export function sshFingerprint(key: Buffer): string {
  return `SHA256:${createHash('sha256').update(key).digest('base64').replace(/=+$/, '')}`;
}

/** The algorithm name at the start of an SSH public key blob, e.g. `ssh-ed25519`. */
function keyType(key: Buffer): string {
  if (key.length < 4) return 'unknown';
  const len = key.readUInt32BE(0);
  return len > 0 && len < 64 && key.length >= 4 + len ? key.subarray(4, 4 + len).toString('latin1') : 'unknown';
}

// Runs argv via `exec "$@"` after printing the process group id on stderr's first line. OpenSSH
// cannot signal a root session (it runs in the monitor, "session signalling requires privilege
// separation") and ssh2 drops signal requests after stdin's EOF, so on timeout or stop() the
// group is killed by a second command instead. Process group = what sshd setsid()s per session.
const JOB_WRAPPER = 'read -r _ _ _ _ g _ </proc/$$/stat && printf "walboard-pgid:%s\\n" "$g" >&2; exec "$@"';
const PGID_HEADER = /^walboard-pgid:(\d+)$/;

/** Removes the wrapper's pgid line from the start of stderr and reports the pgid. */
function splitPgidHeader(stderr: Readable, onPgid: (pgid: number) => void): Readable {
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

function ended(r: Readable): Promise<void> {
  return new Promise((resolve) => {
    if (r.readableEnded) resolve();
    else r.once('end', () => resolve()).once('close', () => resolve());
  });
}

/** Counts open session channels so we never ask for more than the server's MaxSessions. */
class Semaphore {
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

interface Link {
  client: Client;
  sessions: Semaphore;
  sftp: Promise<SFTPWrapper> | null;
}

/** Runs commands and file operations on one node over a single persistent, self-healing SSH connection. */
export class SshTransport implements Transport {
  readonly kind = 'ssh' as const;
  readonly node: string;
  private readonly opts: Required<Omit<SshTransportOptions, 'log'>> & Pick<SshTransportOptions, 'log'>;
  private link: Link | null = null;
  private attempt: Promise<void> | null = null;
  private lastError: TransportError | null = null;
  private backoffMs = 0;
  private retryTimer: NodeJS.Timeout | undefined;
  private closed = false;
  private readonly listeners = new Set<(up: boolean, reason: string | null) => void>();
  private lastState: string | null = null;

  constructor(opts: SshTransportOptions) {
    this.node = opts.node;
    this.opts = {
      keepaliveIntervalMs: 1000,
      keepaliveCountMax: 2,
      maxSessions: 8,
      readyTimeoutMs: 10_000,
      ...opts,
    };
  }

  private get where(): string {
    return `${this.node} (${this.opts.username}@${this.opts.host}:${this.opts.port})`;
  }

  /** Starts connecting in the background (or retries at once when down); never throws. */
  start(): void {
    if (this.closed || this.link) return;
    clearTimeout(this.retryTimer);
    this.attempt ??= this.dial();
  }

  /** Connects now (or retries at once when down); rejects with the reason if this attempt fails. */
  async connect(): Promise<void> {
    if (this.closed) throw new TransportError('closed', this.node, `the SSH transport to ${this.where} is closed`);
    if (this.link) return;
    this.start();
    await this.attempt;
    if (!this.link) throw this.lastError ?? new TransportError('unreachable', this.node, `cannot reach ${this.where}`);
  }

  private setState(up: boolean, reason: string | null): void {
    const key = `${up}|${reason}`;
    if (key === this.lastState) return;
    this.lastState = key;
    this.opts.log?.(up ? `ssh ${this.where}: connected` : `ssh ${this.where}: down: ${reason}`);
    for (const cb of this.listeners) cb(up, reason);
  }

  private dial(): Promise<void> {
    const { node } = this;
    const client = new Client();
    let offered: { fingerprint: string; type: string } | null = null;
    let failure: TransportError | null = null;
    let ready = false;
    return new Promise<void>((resolve) => {
      client.on('ready', () => {
        ready = true;
        this.link = { client, sessions: new Semaphore(this.opts.maxSessions), sftp: null };
        this.lastError = null;
        this.backoffMs = 0;
        this.attempt = null;
        this.setState(true, null);
        resolve();
      });
      client.on('error', (err: Error & { level?: string }) => {
        failure ??= this.describe(err, offered);
      });
      client.on('close', () => {
        const reason =
          failure ??
          new TransportError('unreachable', node, `SSH connection to ${this.where} closed${ready ? '' : ' during the handshake'}`);
        const link = this.link;
        if (link?.client === client) {
          this.link = null;
          link.sessions.failAll(this.downError(reason));
        }
        this.lastError = reason;
        this.attempt = null;
        this.setState(false, reason.message);
        resolve();
        this.scheduleRetry(reason.code);
      });
      try {
        client.connect({
          host: this.opts.host,
          port: this.opts.port,
          username: this.opts.username,
          privateKey: this.opts.privateKey,
          keepaliveInterval: this.opts.keepaliveIntervalMs,
          keepaliveCountMax: this.opts.keepaliveCountMax,
          readyTimeout: this.opts.readyTimeoutMs,
          // Runs during key exchange, before any authentication: a wrong key never sees our credentials.
          hostVerifier: (key: Buffer) => {
            offered = { fingerprint: sshFingerprint(key), type: keyType(key) };
            return offered.fingerprint === this.opts.hostKey;
          },
        });
      } catch (err) {
        // A malformed private key: retrying cannot help until the configuration changes.
        this.lastError = new TransportError(
          'auth-failed',
          node,
          `cannot use the SSH private key for ${this.where}: ${(err as Error).message}`,
          'check the key file configured for this node in walboard.yaml',
        );
        this.setState(false, this.lastError.message);
        resolve();
      }
    });
  }

  private describe(err: Error & { level?: string }, offered: { fingerprint: string; type: string } | null): TransportError {
    if (offered && offered.fingerprint !== this.opts.hostKey) {
      return new TransportError(
        'host-key-mismatch',
        this.node,
        `host key mismatch for ${this.where}: the server offered the ${offered.type} key ${offered.fingerprint}, ` +
          `but walboard.yaml pins ${this.opts.hostKey}. walboard refused it before authenticating. Check on the ` +
          `server (ssh-keygen -lf /etc/ssh/ssh_host_*_key.pub) that ${offered.fingerprint} really is its key; ` +
          `only then pin it as this node's hostKey in walboard.yaml.`,
        'a changed host key means the server was reinstalled or someone is intercepting the connection',
      );
    }
    if (err.level === 'client-authentication') {
      return new TransportError(
        'auth-failed',
        this.node,
        `${this.where} refused the SSH key for user ${this.opts.username}: ${err.message}`,
        `add the controller's public key to ~${this.opts.username}/.ssh/authorized_keys on the node`,
      );
    }
    return new TransportError('unreachable', this.node, `cannot reach ${this.where}: ${err.message}`);
  }

  private scheduleRetry(code: TransportError['code']): void {
    if (this.closed) return;
    // A wrong host key or a refused login will not fix itself quickly: retry, but slowly.
    const slow = code === 'host-key-mismatch' || code === 'auth-failed';
    this.backoffMs = slow ? BACKOFF_MAX_MS : Math.min(BACKOFF_MAX_MS, this.backoffMs * 2 || BACKOFF_MIN_MS);
    const delay = this.backoffMs * (0.75 + Math.random() * 0.5);
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => {
      this.attempt ??= this.dial();
    }, delay);
    this.retryTimer.unref();
  }

  private downError(cause: TransportError | null): TransportError {
    if (this.closed) return new TransportError('closed', this.node, `the SSH transport to ${this.where} is closed`);
    if (cause && cause.code !== 'unreachable') return cause;
    return new TransportError(
      'unreachable',
      this.node,
      `${this.where} is unreachable over SSH${cause ? ` (${cause.message})` : ''}; walboard keeps reconnecting in the background`,
      'check that the node is up and that sshd accepts connections from the controller',
    );
  }

  /** The live connection; connects on first use, fails fast while the link is down. */
  private async ready(): Promise<Link> {
    if (this.closed) throw this.downError(null);
    if (!this.link && this.lastState === null) await this.connect().catch(() => {});
    if (this.link) return this.link;
    throw this.downError(this.lastError);
  }

  /**
   * Opens a session channel under the semaphore. `onOpen` runs synchronously in ssh2's callback:
   * a fast command's data, exit status and close can arrive in the same packet batch as the open
   * confirmation, and listeners attached a tick later would miss them.
   */
  private async openSession<C extends ClientChannel | SFTPWrapper, T>(
    signal: AbortSignal | undefined,
    open: (c: Client, cb: (err: Error | undefined, ch: C) => void) => void,
    what: string,
    onOpen: (ch: C) => T,
  ): Promise<T> {
    const link = await this.ready();
    const release = await link.sessions.acquire(signal);
    return new Promise<T>((resolve, reject) => {
      open(link.client, (err, ch) => {
        if (err) {
          release();
          reject(
            this.link
              ? new TransportError('command-failed', this.node, `${what} on ${this.where}: ${err.message}`)
              : this.downError(this.lastError),
          );
          return;
        }
        ch.once('close', release);
        resolve(onOpen(ch));
      });
    });
  }

  /** Starts argv under JOB_WRAPPER with every listener attached synchronously on open. */
  private async startJob(argv: readonly string[], signal: AbortSignal | undefined) {
    const shown = shellQuote(argv);
    const command = shellQuote(['sh', '-c', JOB_WRAPPER, 'sh', ...argv]);
    return this.openSession(signal, (c, cb) => c.exec(command, cb), `cannot start ${shown}`, (ch: ClientChannel) => {
      let exit: { code: number | null; signal: string | null } | null = null;
      let pgid: number | null = null;
      ch.on('exit', (code: number | null, sig?: string) => {
        exit = { code: code ?? null, signal: sig ?? null };
      });
      const stderr = splitPgidHeader(ch.stderr, (g) => {
        pgid = g;
      });
      // ssh2 emits 'close' after the channel's own end; stderr ends on its own schedule.
      const closed = new Promise<void>((resolve) => ch.once('close', () => resolve())).then(() => ended(stderr));
      const kill = () => {
        if (exit === null) this.killGroup(pgid, shown);
        ch.close();
      };
      const lost = () => this.downError(new TransportError('unreachable', this.node, `connection lost while running ${shown}`));
      return { ch, stderr, closed, kill, lost, shown, exit: () => exit };
    });
  }

  // Bypasses the semaphore: the job being killed still holds its slot until it dies. If the server
  // is at MaxSessions anyway, it refuses the channel and we say so.
  private killGroup(pgid: number | null, shown: string): void {
    const link = this.link;
    const warn = (why: string) => this.opts.log?.(`ssh ${this.where}: could not kill ${shown}, it may still run: ${why}`);
    if (!link) return warn('the connection is down');
    if (pgid === null || pgid <= 1) return warn('its process group is unknown');
    link.client.exec(shellQuote(['kill', '-s', 'KILL', '--', `-${pgid}`]), (err, ch) => {
      if (err) return warn(err.message);
      ch.resume();
      ch.stderr.resume();
      ch.end();
    });
  }

  async exec(argv: readonly string[], opts: ExecOptions = {}): Promise<ExecResult> {
    const timeout = opts.timeoutMs === undefined ? undefined : AbortSignal.timeout(opts.timeoutMs);
    const timeoutError = () =>
      new TransportError(
        'timeout',
        this.node,
        `${shellQuote(argv)} on ${this.where} did not finish within ${opts.timeoutMs} ms and was killed`,
      );
    const job = await this.startJob(argv, timeout).catch((err: unknown) => {
      throw timeout?.aborted ? timeoutError() : err;
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    job.ch.on('data', (b: Buffer) => out.push(b));
    job.stderr.on('data', (b: Buffer) => err.push(b));
    const timedOut = new Promise<'timeout'>((resolve) => {
      if (!timeout) return;
      const onTimeout = () => {
        job.kill();
        resolve('timeout');
      };
      if (timeout.aborted) onTimeout();
      else timeout.addEventListener('abort', onTimeout, { once: true });
      void job.closed.then(() => timeout.removeEventListener('abort', onTimeout));
    });
    job.ch.end(opts.input);
    if ((await Promise.race([job.closed, timedOut])) === 'timeout') throw timeoutError();
    const exit = job.exit();
    if (!exit) throw job.lost();
    return { ...exit, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') };
  }

  async stream(argv: readonly string[]): Promise<LineStream> {
    const job = await this.startJob(argv, undefined);
    let stopped = false;
    const finished = job.closed.then(() => {
      const exit = job.exit();
      if (exit || stopped) return exit ?? { code: null, signal: null };
      throw job.lost();
    });
    // Whoever never awaits `done` must not crash the process with an unhandled rejection.
    finished.catch(() => {});
    job.ch.end();
    return createLineStream(job.ch, job.stderr, finished, () => {
      stopped = true;
      job.kill();
    });
  }

  // One SFTP session per connection, opened on first use; it holds one session slot.
  private async sftp(): Promise<SFTPWrapper> {
    const link = await this.ready();
    if (!link.sftp) {
      const opening = this.openSession(
        undefined,
        (c, cb: (err: Error | undefined, s: SFTPWrapper) => void) => c.sftp(cb),
        'cannot start the SFTP subsystem',
        (s: SFTPWrapper) => s,
      );
      link.sftp = opening;
      opening.then(
        (s) => s.once('close', () => link.sftp === opening && (link.sftp = null)),
        () => link.sftp === opening && (link.sftp = null),
      );
    }
    return link.sftp;
  }

  private sftpCall<T>(what: string, path: string, run: (cb: (err: (Error & { code?: unknown }) | undefined | null, v: T) => void) => void): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      run((err, v) => {
        if (!err) return resolve(v);
        if (err.code === SFTP_NO_SUCH_FILE) reject(new TransportError('not-found', this.node, `${what}: ${path} does not exist on ${this.node}`));
        else if (!this.link) reject(this.downError(this.lastError));
        else reject(new TransportError('command-failed', this.node, `${what} ${path} on ${this.where} failed: ${err.message}`, 'check the path and the permissions of the SSH user'));
      });
    });
  }

  async readFile(path: string): Promise<Buffer> {
    const s = await this.sftp();
    return this.sftpCall<Buffer>('readFile', path, (cb) => s.readFile(path, cb));
  }

  async writeFileAtomic(path: string, data: string | Buffer, mode = DEFAULT_FILE_MODE): Promise<void> {
    const s = await this.sftp();
    const tmp = atomicTempPath(path);
    const buf = Buffer.from(data);
    const call = <T>(run: (cb: (err: Error | undefined | null, v: T) => void) => void) => this.sftpCall<T>('writeFileAtomic', path, run);
    try {
      const handle = await call<Buffer>((cb) => s.open(tmp, 'wx', { mode }, cb));
      try {
        if (buf.length > 0) await call<void>((cb) => s.write(handle, buf, 0, buf.length, 0, (e) => cb(e, undefined)));
        // The server applies its umask to open()'s mode; fchmod makes it exactly `mode`.
        await call<void>((cb) => s.fchmod(handle, mode, (e) => cb(e, undefined)));
        await call<void>((cb) => s.ext_openssh_fsync(handle, (e) => cb(e, undefined))).catch((err: unknown) => {
          if (!/does not support/.test((err as Error).message)) throw err;
        });
      } finally {
        await call<void>((cb) => s.close(handle, (e) => cb(e, undefined)));
      }
      try {
        await call<void>((cb) => s.ext_openssh_rename(tmp, path, (e) => cb(e, undefined)));
      } catch (err) {
        if (!/does not support/.test((err as Error).message)) throw err;
        // Plain SFTP rename refuses to overwrite: make room first (not atomic, but the best it offers).
        await call<void>((cb) => s.unlink(path, (e) => cb(e, undefined))).catch(() => {});
        await call<void>((cb) => s.rename(tmp, path, (e) => cb(e, undefined)));
      }
    } catch (err) {
      s.unlink(tmp, () => {});
      throw err;
    }
  }

  /** Entries of `dir` (symlinks not followed), without `.` and `..`. */
  async list(dir: string): Promise<FileEntry[]> {
    const s = await this.sftp();
    const entries = await this.sftpCall<FileEntryWithStats[]>('list', dir, (cb) => s.readdir(dir, cb));
    return entries
      .filter((e) => e.filename !== '.' && e.filename !== '..')
      .map((e) => ({ name: e.filename, type: fileTypeOf(e.attrs.mode), size: e.attrs.size, mtimeMs: e.attrs.mtime * 1000 }));
  }

  /** Follows symlinks; null when nothing exists at `path`. `mode` holds the permission bits only. */
  async stat(path: string): Promise<FileStat | null> {
    const s = await this.sftp();
    try {
      const st = await this.sftpCall<Stats>('stat', path, (cb) => s.stat(path, cb));
      return { type: fileTypeOf(st.mode), size: st.size, mtimeMs: st.mtime * 1000, mode: st.mode & 0o7777 };
    } catch (err) {
      if (err instanceof TransportError && err.code === 'not-found') return null;
      throw err;
    }
  }

  // direct-tcpip channels do not count against OpenSSH's MaxSessions (only shell/exec/subsystem
  // sessions do), so tunnels bypass the session semaphore.
  async connectTcp(host: string, port: number): Promise<Duplex> {
    const link = await this.ready();
    return new Promise((resolve, reject) => {
      link.client.forwardOut('127.0.0.1', 0, host, port, (err, ch) => {
        if (!err) return resolve(ch);
        reject(
          this.link
            ? new TransportError('unreachable', this.node, `cannot open a tunnel from ${this.where} to ${host}:${port}: ${err.message}`, 'check that the service listens there, as seen from the node, and that sshd allows TCP forwarding')
            : this.downError(this.lastError),
        );
      });
    });
  }

  isUp(): boolean {
    return this.link !== null;
  }

  onStateChange(cb: (up: boolean, reason: string | null) => void): () => void {
    this.listeners.add(cb);
    return () => this.listeners.delete(cb);
  }

  /** Ends the connection, fails whatever is queued, and stops reconnecting. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.retryTimer);
    const link = this.link;
    const pending = this.attempt;
    if (link) {
      const gone = new Promise<void>((resolve) => link.client.once('close', () => resolve()));
      link.client.end();
      await Promise.race([gone, new Promise((r) => setTimeout(r, 2000).unref())]);
      link.client.destroy();
    } else if (pending) {
      await pending;
      this.link?.client.destroy();
    }
    this.link = null;
    this.setState(false, 'closed');
  }
}

/**
 * What pg's `stream` option needs to reach PostgreSQL through `transport.connectTcp`: a factory of
 * socket-like Duplexes that connect when pg calls `connect(port, host)`. `host`/`port` override pg's.
 */
export function pgStreamFactory(transport: Transport, host?: string, port?: number): () => Duplex {
  return () => new TunnelSocket(transport, host, port);
}

/** Looks enough like a net.Socket for pg: connect(), 'connect', setNoDelay/setKeepAlive/ref/unref. */
class TunnelSocket extends Duplex {
  private inner: Duplex | null = null;
  private readonly queued: (() => void)[] = [];

  constructor(
    private readonly transport: Transport,
    private readonly host: string | undefined,
    private readonly port: number | undefined,
  ) {
    super();
  }

  connect(port: number | string, host?: string): this {
    const targetPort = this.port ?? (typeof port === 'number' ? port : Number.NaN);
    const targetHost = this.host ?? host ?? 'localhost';
    if (!Number.isInteger(targetPort)) {
      this.destroy(new Error(`cannot tunnel to ${String(port)}: only TCP host:port targets work through ${this.transport.node}`));
      return this;
    }
    this.transport.connectTcp(targetHost, targetPort).then(
      (inner) => {
        if (this.destroyed) return void inner.destroy();
        this.inner = inner;
        inner.on('data', (chunk: Buffer) => {
          if (!this.push(chunk)) inner.pause();
        });
        inner.on('end', () => this.push(null));
        inner.on('error', (err: Error) => this.destroy(err));
        inner.on('close', () => this.destroy());
        for (const run of this.queued.splice(0)) run();
        this.emit('connect');
      },
      (err: Error) => this.destroy(err),
    );
    return this;
  }

  override _read(): void {
    this.inner?.resume();
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    if (this.inner) this.inner.write(chunk, cb);
    else this.queued.push(() => this.inner?.write(chunk, cb));
  }

  override _final(cb: (err?: Error | null) => void): void {
    if (this.inner) this.inner.end(cb);
    else cb();
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    this.inner?.destroy();
    cb(err);
  }

  setNoDelay(): this {
    return this;
  }
  setKeepAlive(): this {
    return this;
  }
  ref(): this {
    return this;
  }
  unref(): this {
    return this;
  }
}
