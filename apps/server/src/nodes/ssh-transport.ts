import { connect as tcpConnect } from 'node:net';
import type { Duplex } from 'node:stream';
import type { HostKeyStatus } from '@walboard/shared/status';
import { Client, type ClientChannel, type SFTPWrapper } from 'ssh2';
import { HostKeyPin, hostKeyFileFor, type OfferedKey } from './host-key-pin.ts';
import { probeHostKey } from './host-key-probe.ts';
import { createLineStream } from './local-transport.ts';
import { shellQuote } from './shell-quote.ts';
import { SftpFiles } from './ssh-sftp.ts';
import { describeConnectError, JOB_WRAPPER, Semaphore, TIED_JOB_WRAPPER, trackJob } from './ssh-support.ts';
import {
  type ExecOptions,
  type ExecResult,
  type FileEntry,
  type FileStat,
  type LineStream,
  type RawProcess,
  type Transport,
  TransportError,
} from './transport.ts';

// registry.ts and others import it from here; it lives apart because it works with any Transport.
export { pgStreamFactory } from './pg-stream.ts';
export { sshFingerprint } from './ssh-support.ts';

export interface SshTransportOptions {
  node: string;
  host: string;
  port: number;
  username: string;
  privateKey: Buffer | string;
  /**
   * Pinned host key fingerprint, `SHA256:<base64 without padding>` as `ssh-keygen -lf` prints it.
   * Without one the transport never logs in: it only learns the key the server offers.
   */
  hostKey?: string | null;
  /** Where the pin comes from, for messages; defaults to "walboard.yaml". */
  hostKeyOrigin?: string;
  keepaliveIntervalMs?: number;
  keepaliveCountMax?: number;
  /** Session channels (exec, sftp) open at once; keep it at or below the server's MaxSessions. */
  maxSessions?: number;
  readyTimeoutMs?: number;
  /**
   * Retry delay for failures that will not fix themselves quickly (refused login), and how often an
   * unpinned node re-reads the offered key so the page shows the current one.
   */
  slowRetryMs?: number;
  log?: (message: string) => void;
}

const BACKOFF_MIN_MS = 250;
const BACKOFF_MAX_MS = 5000;
/** While down for network reasons, a TCP probe of the port starts this often… */
const PROBE_INTERVAL_MS = 250;
/** …and waits this long for an answer, a few at once: a SYN sent into a cut network is lost, the next one is not. */
const PROBE_TIMEOUT_MS = 1000;
const MAX_PROBES_IN_FLIGHT = 4;
type Settings = Required<Omit<SshTransportOptions, 'log' | 'hostKey' | 'hostKeyOrigin'>> &
  Pick<SshTransportOptions, 'log'>;

interface Link {
  client: Client;
  sessions: Semaphore;
  sftp: Promise<SFTPWrapper> | null;
}

/** Runs commands and file operations on one node over a single persistent, self-healing SSH connection. */
export class SshTransport implements Transport {
  readonly kind = 'ssh' as const;
  readonly node: string;
  private readonly opts: Settings;
  private readonly hostKey: HostKeyPin;
  private link: Link | null = null;
  /** The ssh2 client of the current connection, from dialing until its 'close'. */
  private client: Client | null = null;
  private attempt: Promise<void> | null = null;
  private lastError: TransportError | null = null;
  private backoffMs = 0;
  private retryTimer: NodeJS.Timeout | undefined;
  private closed = false;
  private readonly listeners = new Set<(up: boolean, reason: string | null) => void>();
  private lastState: string | null = null;
  private readonly files: SftpFiles;
  /** The TCP connection of the current dial is established (the failure, if any, came later). */
  private dialTcpUp = false;
  /** A cheap TCP probe of host:port runs while the link is down for network reasons. */
  private probeTimer: NodeJS.Timeout | undefined;
  private probesInFlight = 0;
  /** The in-flight dial was dropped because the port answers now: dial again as soon as it closes. */
  private redialOnClose = false;
  /** TCP probes made so far (tests read it). */
  probes = 0;

  constructor(opts: SshTransportOptions) {
    this.node = opts.node;
    this.opts = {
      keepaliveIntervalMs: 1000,
      keepaliveCountMax: 2,
      maxSessions: 8,
      readyTimeoutMs: 10_000,
      slowRetryMs: BACKOFF_MAX_MS,
      ...opts,
    };
    this.hostKey = new HostKeyPin(opts.hostKey ?? null, opts.hostKeyOrigin ?? 'walboard.yaml');
    this.files = new SftpFiles({
      node: opts.node,
      where: () => this.where,
      session: () => this.sftp(),
      linkDown: () => (this.link ? null : this.downError(this.lastError)),
    });
  }

  private get where(): string {
    return `${this.node} (${this.opts.username}@${this.opts.host}:${this.opts.port})`;
  }

  /**
   * Starts connecting in the background (or retries at once when down); never throws. Does nothing
   * while a host key mismatch has stopped the node.
   */
  start(): void {
    if (this.closed || this.link || this.hostKey.stopped) return;
    clearTimeout(this.retryTimer);
    this.attempt ??= this.dial();
  }

  /** Connects now (or retries at once when down); rejects with the reason if this attempt fails. */
  async connect(): Promise<void> {
    if (this.closed)
      throw new TransportError('closed', this.node, `the SSH transport to ${this.where} is closed`);
    if (this.link) return;
    if (this.hostKey.stopped && this.lastError) throw this.lastError;
    this.start();
    await this.attempt;
    if (!this.link)
      throw this.lastError ?? new TransportError('unreachable', this.node, `cannot reach ${this.where}`);
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
    this.client = client;
    let failure: TransportError | null = null;
    let ready = false;
    let offered: OfferedKey | null = null;
    this.dialTcpUp = false;
    return new Promise<void>((resolve) => {
      client.on('connect', () => {
        if (this.client === client) this.dialTcpUp = true;
      });
      client.on('ready', () => {
        ready = true;
        // Small request/response traffic (a status poll through the pg tunnel) otherwise meets
        // Nagle + delayed ACK: ~40 ms per round trip instead of < 1 ms.
        client.setNoDelay(true);
        this.link = { client, sessions: new Semaphore(this.opts.maxSessions), sftp: null };
        this.lastError = null;
        this.backoffMs = 0;
        this.attempt = null;
        this.stopProbe();
        this.setState(true, null);
        this.hostKey.announce();
        resolve();
      });
      client.on('error', (err: Error & { level?: string }) => {
        failure ??= describeConnectError(err, {
          node,
          where: this.where,
          user: this.opts.username,
          pinned: this.hostKey.pinned,
          pinOrigin: this.hostKey.pinOrigin,
          offered,
          hostKeyFile: hostKeyFileFor(offered?.type ?? ''),
        });
      });
      client.on('close', () => {
        const reason =
          failure ??
          new TransportError(
            'unreachable',
            node,
            `SSH connection to ${this.where} closed${ready ? '' : ' during the handshake'}`,
          );
        const link = this.link;
        if (link?.client === client) {
          this.link = null;
          link.sessions.failAll(this.downError(reason));
        }
        const tcpWasUp = this.dialTcpUp;
        if (this.client === client) this.client = null;
        this.attempt = null;
        resolve();
        // close() reports the final state itself.
        if (this.closed) return;
        const redial = this.redialOnClose;
        this.redialOnClose = false;
        // A dial dropped because the port answers again is no news: the next one follows at once.
        if (redial && !ready) {
          clearTimeout(this.retryTimer);
          this.attempt ??= this.dial();
          return;
        }
        this.lastError = reason;
        this.setState(false, reason.message);
        this.hostKey.announce();
        // A mismatch stops the node: retrying would only knock on an impostor's door again.
        if (this.hostKey.stopped) return;
        this.scheduleRetry(reason.code, tcpWasUp);
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
            const ok = this.hostKey.verify(key);
            offered = this.hostKey.lastOffered;
            return ok;
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
        this.client = null;
        this.setState(false, this.lastError.message);
        resolve();
      }
    });
  }

  private scheduleRetry(code: TransportError['code'], tcpWasUp: boolean): void {
    if (this.closed) return;
    // A refused login will not fix itself quickly, and an unpinned key waits for an admin: retry
    // slowly (for the unpinned key that is the re-check keeping the offered key current).
    const slow = code === 'host-key-mismatch' || code === 'auth-failed';
    // The host or sshd did not answer TCP: the backoff may wait 5 s, the probe notices the port
    // answering again within 250 ms. Once TCP got through, the port answers already: no probe.
    if (slow || tcpWasUp) this.stopProbe();
    else this.startProbe();
    this.backoffMs = slow
      ? this.opts.slowRetryMs
      : Math.min(BACKOFF_MAX_MS, this.backoffMs * 2 || BACKOFF_MIN_MS);
    const delay = this.backoffMs * (0.75 + Math.random() * 0.5);
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => {
      this.attempt ??= this.dial();
    }, delay);
    this.retryTimer.unref();
  }

  private startProbe(): void {
    if (this.probeTimer || this.closed) return;
    this.probeTimer = setInterval(() => this.probe(), PROBE_INTERVAL_MS);
    this.probeTimer.unref();
  }

  private stopProbe(): void {
    clearInterval(this.probeTimer);
    this.probeTimer = undefined;
  }

  /** One TCP connect to host:port, closed as soon as it answers or times out. */
  private probe(): void {
    if (this.probesInFlight >= MAX_PROBES_IN_FLIGHT || this.closed || this.link) return;
    this.probesInFlight++;
    this.probes++;
    const socket = tcpConnect({ host: this.opts.host, port: this.opts.port });
    socket.unref();
    let settled = false;
    const done = (answered: boolean) => {
      if (settled) return;
      settled = true;
      this.probesInFlight--;
      clearTimeout(timer);
      socket.destroy();
      if (answered) this.portAnswers();
    };
    const timer = setTimeout(() => done(false), PROBE_TIMEOUT_MS);
    timer.unref();
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  }

  /** The port accepts TCP again: dial now rather than when the backoff says. */
  private portAnswers(): void {
    // Only the first answer acts: later probes of the same round find probing stopped.
    if (!this.probeTimer || this.closed || this.link || this.hostKey.stopped) return;
    this.stopProbe();
    if (!this.attempt) {
      clearTimeout(this.retryTimer);
      this.attempt = this.dial();
    } else if (!this.dialTcpUp && this.client) {
      // A dial still waiting on a SYN sent while the host was silent may wait seconds more for
      // the kernel's retransmission: drop it and dial again.
      this.redialOnClose = true;
      this.client.destroy();
    }
  }

  private downError(cause: TransportError | null): TransportError {
    if (this.closed)
      return new TransportError('closed', this.node, `the SSH transport to ${this.where} is closed`);
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
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.openOnce(link, release, open, onOpen);
      } catch (err) {
        // sshd frees a session slot only once the previous session's process is reaped, a moment
        // after the channel closed: under load a new open can meet a slot not yet free. Retry that.
        const refused = err instanceof Error && /open failed|administratively prohibited/i.test(err.message);
        if (!refused || attempt >= 4 || this.link !== link) {
          release();
          throw this.link === link
            ? new TransportError(
                'command-failed',
                this.node,
                `${what} on ${this.where}: ${(err as Error).message}`,
              )
            : this.downError(this.lastError);
        }
        await new Promise((r) => setTimeout(r, 50 * attempt));
      }
    }
  }

  private openOnce<C extends ClientChannel | SFTPWrapper, T>(
    link: Link,
    release: () => void,
    open: (c: Client, cb: (err: Error | undefined, ch: C) => void) => void,
    onOpen: (ch: C) => T,
  ): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      try {
        open(link.client, (err, ch) => {
          if (err) return reject(err);
          ch.once('close', release);
          resolve(onOpen(ch));
        });
      } catch (err) {
        // ssh2 throws "Not connected" when the socket died after ready() returned.
        reject(err as Error);
      }
    });
  }

  /** Starts argv under JOB_WRAPPER with every listener attached synchronously on open. */
  private async startJob(
    argv: readonly string[],
    signal: AbortSignal | undefined,
    opts: { reapAfterExitMs?: number; tied?: boolean } = {},
  ) {
    const shown = shellQuote(argv);
    const command = shellQuote(['sh', '-c', opts.tied ? TIED_JOB_WRAPPER : JOB_WRAPPER, 'sh', ...argv]);
    return this.openSession(
      signal,
      (c, cb) => c.exec(command, cb),
      `cannot start ${shown}`,
      (ch: ClientChannel) => ({
        ...trackJob(
          ch,
          {
            killGroup: (pgid) => this.killGroup(pgid, shown),
            warn: (why) => this.warnNotKilled(shown, why),
          },
          opts,
        ),
        ch,
        lost: () =>
          this.downError(
            new TransportError('unreachable', this.node, `connection lost while running ${shown}`),
          ),
      }),
    );
  }

  // Bypasses the semaphore: the job being killed still holds its slot until it dies. If the server
  // is at MaxSessions anyway, it refuses the channel and we say so.
  private killGroup(pgid: number, shown: string): void {
    const link = this.link;
    if (!link || pgid <= 1) {
      this.warnNotKilled(shown, link ? `bad process group ${pgid}` : 'the connection is down');
      return;
    }
    try {
      link.client.exec(shellQuote(['kill', '-s', 'KILL', '--', `-${pgid}`]), (err, ch) => {
        if (err) {
          this.warnNotKilled(shown, err.message);
          return;
        }
        ch.resume();
        ch.stderr.resume();
        ch.end();
      });
    } catch (err) {
      this.warnNotKilled(shown, (err as Error).message);
    }
  }

  private warnNotKilled(shown: string, why: string): void {
    this.opts.log?.(`ssh ${this.where}: could not kill ${shown}, it may still be running: ${why}`);
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
    return {
      ...exit,
      stdout: Buffer.concat(out).toString('utf8'),
      stderr: Buffer.concat(err).toString('utf8'),
    };
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

  async spawn(argv: readonly string[], opts: { stdin?: boolean } = {}): Promise<RawProcess> {
    // A spawned command (a copy) ends with its process: nothing it started may outlive it.
    const tied = opts.stdin !== true;
    const job = await this.startJob(argv, undefined, { reapAfterExitMs: 2000, tied });
    let killed = false;
    const done = job.closed.then(() => {
      const exit = job.exit();
      if (exit || killed) return exit ?? { code: null, signal: null };
      throw job.lost();
    });
    done.catch(() => {});
    // Tied: stdin stays open, it is what ties the command to this connection (sshd closes it).
    return {
      stdin: opts.stdin ? job.ch : null,
      stdout: job.ch,
      stderr: job.stderr,
      done,
      kill: () => {
        killed = true;
        job.kill();
      },
    };
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
      const forget = () => {
        if (link.sftp === opening) link.sftp = null;
      };
      opening.then((s) => s.once('close', forget), forget);
    }
    return link.sftp;
  }

  async readFile(path: string): Promise<Buffer> {
    return this.files.readFile(path);
  }

  async writeFileAtomic(path: string, data: string | Buffer, mode?: number): Promise<void> {
    return this.files.writeFileAtomic(path, data, mode);
  }

  /** Entries of `dir` (symlinks not followed), without `.` and `..`. */
  async list(dir: string): Promise<FileEntry[]> {
    return this.files.list(dir);
  }

  /** Follows symlinks; null when nothing exists at `path`. `mode` holds the permission bits only. */
  async stat(path: string): Promise<FileStat | null> {
    return this.files.stat(path);
  }

  // direct-tcpip channels do not count against OpenSSH's MaxSessions (only shell/exec/subsystem
  // sessions do), so tunnels bypass the session semaphore.
  async connectTcp(host: string, port: number): Promise<Duplex> {
    const link = await this.ready();
    return new Promise((resolve, reject) => {
      const fail = (err: Error) =>
        reject(
          this.link === link
            ? new TransportError(
                'unreachable',
                this.node,
                `cannot open a tunnel from ${this.where} to ${host}:${port}: ${err.message}`,
                'check that the service listens there, as seen from the node, and that sshd allows TCP forwarding',
              )
            : this.downError(this.lastError),
        );
      try {
        link.client.forwardOut('127.0.0.1', 0, host, port, (err, ch) => (err ? fail(err) : resolve(ch)));
      } catch (err) {
        fail(err as Error);
      }
    });
  }

  isUp(): boolean {
    return this.link !== null;
  }

  /** Why the link is down right now (what the last onStateChange said); null while up. */
  downReason(): string | null {
    if (this.link) return null;
    return this.closed ? 'closed' : (this.lastError?.message ?? null);
  }

  /** The server's whole host key as verified against the pin (null before a verified connection). */
  verifiedHostKey(): { type: string; blob: string } | null {
    return this.hostKey.verifiedKey;
  }

  /** Whether the host key is pinned, unknown (never logged in) or mismatched (node stopped). */
  hostKeyStatus(): HostKeyStatus {
    return this.hostKey.status();
  }

  /** Called whenever hostKeyStatus() changes: a new pin, a newly offered key, a mismatch. */
  onHostKeyChange(cb: (status: HostKeyStatus) => void): () => void {
    return this.hostKey.onChange(cb);
  }

  /**
   * Reads the key the server offers right now over a separate key-exchange-only connection (no
   * credentials sent), and records it. Rejects with 'unreachable' when the server cannot be asked.
   */
  async probeHostKey(): Promise<OfferedKey> {
    const offered = await probeHostKey({
      node: this.node,
      where: this.where,
      host: this.opts.host,
      port: this.opts.port,
      username: this.opts.username,
      timeoutMs: this.opts.readyTimeoutMs,
    });
    this.hostKey.noteOffered(offered);
    return offered;
  }

  /**
   * Pins `fingerprint` (lifting a mismatch stop) and reconnects at once; resolves when that attempt
   * has ended, whatever its outcome (see isUp() and hostKeyStatus()). Whoever calls it must have
   * compared the key with the server's: this only obeys.
   */
  async pinHostKey(fingerprint: string, origin = 'pinned from walboard'): Promise<void> {
    if (this.closed) return;
    const changed = fingerprint !== this.hostKey.pinned || this.hostKey.stopped;
    this.hostKey.set(fingerprint, origin);
    if (!changed && (this.link || this.attempt)) {
      await this.attempt;
      return;
    }
    this.backoffMs = 0;
    // A link verified against the old pin must not outlive it.
    const old = this.link?.client;
    if (old) {
      const gone = new Promise<void>((resolve) => old.once('close', () => resolve()));
      old.end();
      await gone;
    }
    // A handshake in flight checks the pin when the key arrives: let it finish, then dial if needed.
    if (this.attempt) await this.attempt;
    if (this.closed || this.link) return;
    clearTimeout(this.retryTimer);
    this.attempt ??= this.dial();
    await this.attempt;
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
    this.stopProbe();
    const client = this.client;
    if (client) {
      const gone = new Promise<void>((resolve) => client.once('close', () => resolve()));
      // A polite disconnect when connected; a connection still in its handshake is just dropped.
      if (this.link) client.end();
      else client.destroy();
      await Promise.race([gone, new Promise((r) => setTimeout(r, 2000).unref())]);
      client.destroy();
    }
    this.link = null;
    this.setState(false, 'closed');
  }
}
