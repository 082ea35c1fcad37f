// A real OpenSSH server for integration tests: own host key, own client key, own port.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { SshTransport, type SshTransportOptions } from '../ssh-transport.ts';

export interface SshdFixtureOptions {
  /** Login user; 'postgres' works too (its account is locked, hence UsePAM yes). */
  user?: string;
  /** sshd's MaxSessions (sessions per connection); OpenSSH's default is 10. */
  maxSessions?: number;
  /** DEBUG1 also logs every authentication request ("userauth-request for user …"). */
  logLevel?: 'VERBOSE' | 'DEBUG1';
}

export interface SshdFixture {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  /** OpenSSH-format private key whose public half is in authorized_keys. */
  readonly privateKey: string;
  /** `SHA256:...` as printed by `ssh-keygen -lf` for the server's host key (the current one). */
  readonly hostKeyFingerprint: string;
  /** pid of the listening sshd (changes on restart). */
  readonly pid: number;
  /** Everything sshd wrote to stderr (-e) since the fixture started. */
  log(): string;
  /** pids of the per-connection sshd processes and the commands they run. */
  connectionPids(): number[];
  /** Freezes every open connection (SIGSTOP): the peer looks dead but the TCP socket stays open. */
  freezeConnections(): void;
  /** Kills every open connection (SIGKILL), leaving the listener alone. */
  killConnections(): void;
  /** Kills sshd and every connection; the port refuses connections until resume(). */
  pause(): Promise<void>;
  /** Starts sshd again on the same port with the same keys. */
  resume(): Promise<void>;
  /** pause() then resume(). */
  restart(): Promise<void>;
  /**
   * Replaces the host key with a freshly generated one and restarts sshd (what a reinstalled server
   * or an impostor on its address looks like); resolves with the new fingerprint.
   */
  replaceHostKey(): Promise<string>;
  /** TCP connections sshd accepted so far ("Connection from" lines in its log). */
  connectionCount(): number;
  /** Kills sshd and its connections and removes the temp dir. Safe to call twice. */
  stop(): Promise<void>;
}

/** Asks the kernel for a free loopback port (it can be taken again before sshd binds it; rare). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

function descendants(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // exited while we were looking
    }
    // The command name may contain spaces and parentheses: the ppid is the 2nd field after the last ')'.
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    const list = children.get(ppid) ?? [];
    list.push(Number(entry));
    children.set(ppid, list);
  }
  const out: number[] = [];
  const todo = [root];
  while (todo.length > 0) {
    const pid = todo.pop()!;
    for (const c of children.get(pid) ?? []) {
      out.push(c);
      todo.push(c);
    }
  }
  return out;
}

function signalAll(pids: readonly number[], signal: NodeJS.Signals): void {
  for (const pid of pids) {
    try {
      process.kill(pid, signal);
    } catch {
      // Already gone.
    }
  }
}

/** Starts `/usr/sbin/sshd -D -e` on 127.0.0.1:<free port>; call stop() in afterAll. */
export async function startSshd(opts: SshdFixtureOptions = {}): Promise<SshdFixture> {
  const user = opts.user ?? 'root';
  // Privilege-separation dir compiled into sshd and shared with any system sshd: never removed.
  mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  // StrictModes refuses authorized_keys below a group/world-writable dir, and /tmp and /var/tmp
  // are both 1777; /run is root-owned 0755 (and a tmpfs, so leftovers vanish at reboot).
  const dir = mkdtempSync('/run/walboard-test-sshd-');
  chmodSync(dir, 0o755);
  let child: ChildProcess | null = null;
  let logText = '';
  let stopped = false;

  // pid of our sshd while it runs; never a pid that may have been reused by now.
  const livePid = () =>
    child?.pid && child.exitCode === null && child.signalCode === null ? child.pid : null;
  const connections = () => {
    const pid = livePid();
    return pid ? descendants(pid) : [];
  };
  const killTree = () => {
    const pid = livePid();
    if (!pid) return;
    signalAll(descendants(pid), 'SIGKILL');
    signalAll([pid], 'SIGTERM');
  };
  const onExit = () => {
    killTree();
    rmSync(dir, { recursive: true, force: true });
  };
  // If the test process dies without running afterAll, still leave nothing behind.
  process.once('exit', onExit);

  try {
    const keygen = (file: string) =>
      execFileSync('ssh-keygen', [
        '-q',
        '-t',
        'ed25519',
        '-N',
        '',
        '-C',
        'walboard-test',
        '-f',
        join(dir, file),
      ]);
    const hostKeyFingerprint = () => {
      const fp = execFileSync('ssh-keygen', ['-lf', join(dir, 'host_ed25519_key.pub')], {
        encoding: 'utf8',
      }).split(' ')[1];
      if (!fp?.startsWith('SHA256:')) throw new Error(`unexpected ssh-keygen -lf output: ${fp}`);
      return fp;
    };
    keygen('host_ed25519_key');
    keygen('client_ed25519_key');
    writeFileSync(join(dir, 'authorized_keys'), readFileSync(join(dir, 'client_ed25519_key.pub')), {
      mode: 0o644,
    });
    let fingerprint = hostKeyFingerprint();
    const port = await freePort();
    const config = join(dir, 'sshd_config');
    writeFileSync(
      config,
      [
        `Port ${port}`,
        'ListenAddress 127.0.0.1',
        `HostKey ${join(dir, 'host_ed25519_key')}`,
        `PidFile ${join(dir, 'sshd.pid')}`,
        `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
        'PubkeyAuthentication yes',
        'PasswordAuthentication no',
        'KbdInteractiveAuthentication no',
        'PermitRootLogin prohibit-password',
        // Debian's postgres account is locked; without PAM sshd refuses even key logins to it.
        'UsePAM yes',
        'StrictModes yes',
        `MaxSessions ${opts.maxSessions ?? 10}`,
        `AllowUsers ${user}`,
        'Subsystem sftp internal-sftp',
        // Debian's bash sources ~/.bashrc for commands run by sshd unless SHLVL says it is nested;
        // root's .bashrc on a dev machine (pyenv here) would add ~1 s to every exec. A node under
        // test should behave like a plain server, not like this machine's root account.
        'SetEnv SHLVL=1',
        `LogLevel ${opts.logLevel ?? 'VERBOSE'}`,
        '',
      ].join('\n'),
    );

    const launch = async () => {
      for (let attempt = 0; ; attempt++) {
        const proc = spawn('/usr/sbin/sshd', ['-D', '-e', '-f', config], {
          stdio: ['ignore', 'ignore', 'pipe'],
        });
        child = proc;
        const listening = await new Promise<boolean>((resolve) => {
          const timer = setTimeout(() => resolve(false), 10_000);
          proc.stderr?.on('data', (b: Buffer) => {
            logText += b.toString('utf8');
            if (logText.includes(`Server listening on 127.0.0.1 port ${port}`)) {
              clearTimeout(timer);
              resolve(true);
            }
          });
          proc.once('exit', () => {
            clearTimeout(timer);
            resolve(false);
          });
        });
        if (listening) return;
        killTree();
        // The old socket may still hold the port for a moment after a restart.
        if (attempt >= 20) throw new Error(`sshd did not start on 127.0.0.1:${port}; its log:\n${logText}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    };
    await launch();

    const waitExit = (proc: ChildProcess) =>
      new Promise<void>((resolve) => {
        if (proc.exitCode !== null || proc.signalCode !== null) resolve();
        else proc.once('exit', () => resolve());
      });

    const pause = async () => {
      const old = child;
      killTree();
      if (old) await waitExit(old);
      child = null;
    };

    return {
      host: '127.0.0.1',
      port,
      user,
      privateKey: readFileSync(join(dir, 'client_ed25519_key'), 'utf8'),
      get hostKeyFingerprint() {
        return fingerprint;
      },
      get pid() {
        return livePid() ?? -1;
      },
      log: () => logText,
      connectionPids: connections,
      freezeConnections: () => signalAll(connections(), 'SIGSTOP'),
      killConnections: () => signalAll(connections(), 'SIGKILL'),
      pause,
      resume: launch,
      async restart() {
        await pause();
        await launch();
      },
      async replaceHostKey() {
        await pause();
        for (const f of ['host_ed25519_key', 'host_ed25519_key.pub']) rmSync(join(dir, f), { force: true });
        keygen('host_ed25519_key');
        fingerprint = hostKeyFingerprint();
        await launch();
        return fingerprint;
      },
      connectionCount: () => logText.match(/^Connection from \S+ port \d+ on /gm)?.length ?? 0,
      async stop() {
        if (stopped) return;
        stopped = true;
        await pause();
        rmSync(dir, { recursive: true, force: true });
        process.removeListener('exit', onExit);
      },
    };
  } catch (err) {
    onExit();
    process.removeListener('exit', onExit);
    throw err;
  }
}

/** An SshTransport to the fixture's sshd with its pinned key (not started: callers decide). */
export function sshTransportTo(sshd: SshdFixture, extra: Partial<SshTransportOptions> = {}): SshTransport {
  return new SshTransport({
    node: 'n1',
    host: sshd.host,
    port: sshd.port,
    username: sshd.user,
    privateKey: sshd.privateKey,
    hostKey: sshd.hostKeyFingerprint,
    ...extra,
  });
}
