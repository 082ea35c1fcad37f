import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { lstat, open, readdir, readFile, rename, stat, unlink } from 'node:fs/promises';
import { connect } from 'node:net';
import { join } from 'node:path';
import type { Duplex, Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { shellQuote } from './shell-quote.ts';
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

type Exit = { code: number | null; signal: string | null };
type LineSource = 'stdout' | 'stderr';

/** Default mode of files written by writeFileAtomic, the same on every transport. */
export const DEFAULT_FILE_MODE = 0o644;

/** Name of the temp file writeFileAtomic writes beside `path` before renaming it over. */
export function atomicTempPath(path: string): string {
  return `${path}.walboard-tmp-${randomBytes(6).toString('hex')}`;
}

/** Maps an lstat/stat mode to FileEntry['type']. */
export function fileTypeOf(mode: number): FileEntry['type'] {
  const fmt = mode & 0o170000;
  if (fmt === 0o100000) return 'file';
  if (fmt === 0o040000) return 'dir';
  if (fmt === 0o120000) return 'symlink';
  return 'other';
}

function splitLines(from: Readable, onLine: (line: string) => void): void {
  // The decoder keeps a multi-byte character split across two chunks whole.
  const decoder = new StringDecoder('utf8');
  let partial = '';
  from.on('data', (chunk: Buffer) => {
    const parts = (partial + decoder.write(chunk)).split('\n');
    partial = parts.pop() ?? '';
    for (const p of parts) onLine(p.endsWith('\r') ? p.slice(0, -1) : p);
  });
  from.on('end', () => {
    const rest = partial + decoder.end();
    partial = '';
    if (rest !== '') onLine(rest);
  });
}

/**
 * Builds a LineStream over a command's stdout/stderr; `finished` must settle only after both
 * streams ended. Lines that arrive before the first onLine() are kept and replayed to it.
 */
export function createLineStream(
  stdout: Readable,
  stderr: Readable,
  finished: Promise<Exit>,
  stop: () => void,
): LineStream {
  const listeners: ((line: string, from: LineSource) => void)[] = [];
  const backlog: [string, LineSource][] = [];
  const emit = (line: string, from: LineSource) => {
    if (listeners.length === 0) backlog.push([line, from]);
    for (const cb of listeners) cb(line, from);
  };
  splitLines(stdout, (l) => emit(l, 'stdout'));
  splitLines(stderr, (l) => emit(l, 'stderr'));
  return {
    onLine(cb) {
      listeners.push(cb);
      if (listeners.length === 1) for (const [line, from] of backlog.splice(0)) cb(line, from);
    },
    done: finished,
    stop,
  };
}

export interface LocalTransportOptions {
  node: string;
  /** Run every command (and file operation) as this user; needed when the controller runs as root. */
  runAs?: { uid: number; gid: number };
}

// Exit code the file-operation scripts use for "path does not exist".
const MISSING = 44;
const FILE_OP_TIMEOUT_MS = 60_000;

interface RawResult extends Exit {
  stdout: Buffer;
  stderr: Buffer;
}

/** Runs commands on this machine through `/bin/sh -c shellQuote(argv)`, like SshTransport does remotely. */
export class LocalTransport implements Transport {
  readonly kind = 'local' as const;
  readonly node: string;
  private readonly runAs: { uid: number; gid: number } | undefined;
  private readonly userEnv: { cwd: string; env: NodeJS.ProcessEnv } | undefined;
  private readonly running = new Set<number>();
  private closed = false;

  constructor(opts: LocalTransportOptions) {
    this.node = opts.node;
    this.runAs = opts.runAs;
    if (opts.runAs) {
      // Like an SSH login: the user's own HOME and name, so tools do not read root's dotfiles.
      const pw = passwdEntry(opts.runAs.uid);
      const home = pw && existsSync(pw.home) ? pw.home : '/';
      const who = pw ? { USER: pw.name, LOGNAME: pw.name } : {};
      this.userEnv = { cwd: home, env: { ...process.env, HOME: home, ...who } };
    }
  }

  private spawnShell(argv: readonly string[], withStdin: boolean) {
    if (this.closed) throw new TransportError('closed', this.node, `transport to ${this.node} is closed`);
    if (argv.length === 0) throw new Error('LocalTransport: empty argv — there is no command to run');
    // `exec` makes the command replace the shell (dash would fork it), so a signal death is
    // reported as a signal, and builtins resolve to binaries, exactly as SshTransport's wrapper does.
    const child = spawn('/bin/sh', ['-c', shellQuote(['exec', ...argv])], {
      stdio: [withStdin ? 'pipe' : 'ignore', 'pipe', 'pipe'],
      // Own process group, so a timeout or stop() kills the pipeline and not only the shell.
      detached: true,
      ...(this.runAs && this.userEnv ? { uid: this.runAs.uid, gid: this.runAs.gid, ...this.userEnv } : {}),
    });
    const pid = child.pid;
    if (pid !== undefined) this.running.add(pid);
    const kill = () => {
      if (pid === undefined || !this.running.has(pid)) return;
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        // The group is already gone.
      }
    };
    const finished = new Promise<Exit>((resolve, reject) => {
      child.once('error', (err) => {
        if (pid !== undefined) this.running.delete(pid);
        reject(
          new TransportError(
            'command-failed',
            this.node,
            `cannot start ${argv[0]} on ${this.node}: ${err.message}`,
          ),
        );
      });
      child.once('close', (code, signal) => {
        if (pid !== undefined) this.running.delete(pid);
        resolve({ code, signal });
      });
    });
    return { child, finished, kill };
  }

  private async run(argv: readonly string[], opts: ExecOptions = {}): Promise<RawResult> {
    const { child, finished, kill } = this.spawnShell(argv, opts.input !== undefined);
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout?.on('data', (b: Buffer) => out.push(b));
    child.stderr?.on('data', (b: Buffer) => err.push(b));
    if (opts.input !== undefined && child.stdin) {
      // A command that exits without reading its stdin must not turn into an EPIPE crash.
      child.stdin.on('error', () => {});
      child.stdin.end(opts.input);
    }
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<never>((_, reject) => {
      if (opts.timeoutMs === undefined) return;
      timer = setTimeout(() => {
        kill();
        reject(
          new TransportError(
            'timeout',
            this.node,
            `${shellQuote(argv)} on ${this.node} did not finish within ${opts.timeoutMs} ms and was killed`,
          ),
        );
      }, opts.timeoutMs);
    });
    try {
      const exit = await Promise.race([finished, timedOut]);
      return { ...exit, stdout: Buffer.concat(out), stderr: Buffer.concat(err) };
    } finally {
      clearTimeout(timer);
    }
  }

  /** Runs argv and collects its output; a non-zero exit is a result, not an error. */
  async exec(argv: readonly string[], opts?: ExecOptions): Promise<ExecResult> {
    const r = await this.run(argv, opts);
    return {
      code: r.code,
      signal: r.signal,
      stdout: r.stdout.toString('utf8'),
      stderr: r.stderr.toString('utf8'),
    };
  }

  async stream(argv: readonly string[]): Promise<LineStream> {
    const { child, finished, kill } = this.spawnShell(argv, false);
    if (!child.stdout || !child.stderr) throw new Error('spawn returned no stdout/stderr pipes');
    // Whoever never awaits `done` must not crash the process with an unhandled rejection.
    finished.catch(() => {});
    return createLineStream(child.stdout, child.stderr, finished, kill);
  }

  async spawn(argv: readonly string[], opts: { stdin?: boolean } = {}): Promise<RawProcess> {
    const { child, finished, kill } = this.spawnShell(argv, opts.stdin === true);
    if (!child.stdout || !child.stderr) throw new Error('spawn returned no stdout/stderr pipes');
    finished.catch(() => {});
    child.stdin?.on('error', () => {});
    return { stdin: child.stdin ?? null, stdout: child.stdout, stderr: child.stderr, done: finished, kill };
  }

  // File operations as the runAs user go through commands, so permissions and ownership are that user's.
  private async fileOp(what: string, path: string, argv: readonly string[], input?: Buffer): Promise<Buffer> {
    const r = await this.run(argv, { timeoutMs: FILE_OP_TIMEOUT_MS, ...(input ? { input } : {}) });
    if (r.code === MISSING)
      throw new TransportError('not-found', this.node, `${what}: ${path} does not exist on ${this.node}`);
    if (r.code !== 0) {
      throw new TransportError(
        'command-failed',
        this.node,
        `${what} ${path} on ${this.node} failed (exit ${r.code ?? r.signal}): ${r.stderr.toString('utf8').trim()}`,
        'check that the path exists and that the node user may access it',
      );
    }
    return r.stdout;
  }

  private fsError(what: string, path: string, err: unknown): TransportError {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'ENOENT')
      return new TransportError('not-found', this.node, `${what}: ${path} does not exist on ${this.node}`);
    return new TransportError(
      'command-failed',
      this.node,
      `${what} ${path} on ${this.node} failed: ${e.message}`,
    );
  }

  async readFile(path: string): Promise<Buffer> {
    if (this.runAs) {
      return this.fileOp('readFile', path, [
        'sh',
        '-c',
        `[ -e "$1" ] || exit ${MISSING}; exec cat -- "$1"`,
        'sh',
        path,
      ]);
    }
    return readFile(path).catch((err: unknown) => Promise.reject(this.fsError('readFile', path, err)));
  }

  async writeFileAtomic(path: string, data: string | Buffer, mode = DEFAULT_FILE_MODE): Promise<void> {
    const tmp = atomicTempPath(path);
    const octal = mode.toString(8);
    if (this.runAs) {
      const script =
        'trap \'rm -f -- "$1"\' EXIT; set -eC; umask 077; cat > "$1"; chmod "$3" -- "$1"; sync -- "$1"; mv -f -- "$1" "$2"';
      await this.fileOp(
        'writeFileAtomic',
        path,
        ['sh', '-c', script, 'sh', tmp, path, octal],
        Buffer.from(data),
      );
      return;
    }
    try {
      const fh = await open(tmp, 'wx', mode);
      try {
        await fh.writeFile(data);
        // open()'s mode is filtered by the umask; chmod makes the result exactly `mode`.
        await fh.chmod(mode);
        await fh.sync();
      } finally {
        await fh.close();
      }
      await rename(tmp, path);
    } catch (err) {
      await unlink(tmp).catch(() => {});
      throw this.fsError('writeFileAtomic', path, err);
    }
  }

  /** Entries of `dir` (not followed when they are symlinks), without `.` and `..`. */
  async list(dir: string): Promise<FileEntry[]> {
    if (this.runAs) {
      const script = `[ -e "$1" ] || exit ${MISSING}; exec find "$1" -mindepth 1 -maxdepth 1 -printf '%f\\0%y\\0%s\\0%T@\\0'`;
      const fields = (await this.fileOp('list', dir, ['sh', '-c', script, 'sh', dir]))
        .toString('utf8')
        .split('\0');
      const entries: FileEntry[] = [];
      for (let i = 0; i + 3 < fields.length; i += 4) {
        const [name = '', y = '', size = '0', t = '0'] = fields.slice(i, i + 4);
        entries.push({ name, type: findType(y), size: Number(size), mtimeMs: Math.round(Number(t) * 1000) });
      }
      return entries;
    }
    try {
      const names = await readdir(dir);
      return await Promise.all(
        names.map(async (name) => {
          const s = await lstat(join(dir, name));
          return { name, type: fileTypeOf(s.mode), size: s.size, mtimeMs: Math.round(s.mtimeMs) };
        }),
      );
    } catch (err) {
      throw this.fsError('list', dir, err);
    }
  }

  /** Follows symlinks; null when nothing exists at `path`. `mode` holds the permission bits only. */
  async stat(path: string): Promise<FileStat | null> {
    if (this.runAs) {
      const script = `[ -e "$1" ] || exit ${MISSING}; exec find -L "$1" -maxdepth 0 -printf '%y\\0%s\\0%T@\\0%m\\0'`;
      try {
        const out = await this.fileOp('stat', path, ['sh', '-c', script, 'sh', path]);
        const [y = '', size = '0', t = '0', m = '0'] = out.toString('utf8').split('\0');
        return {
          type: findType(y),
          size: Number(size),
          mtimeMs: Math.round(Number(t) * 1000),
          mode: Number.parseInt(m, 8),
        };
      } catch (err) {
        if (err instanceof TransportError && err.code === 'not-found') return null;
        throw err;
      }
    }
    try {
      const s = await stat(path);
      return {
        type: fileTypeOf(s.mode),
        size: s.size,
        mtimeMs: Math.round(s.mtimeMs),
        mode: s.mode & 0o7777,
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw this.fsError('stat', path, err);
    }
  }

  connectTcp(host: string, port: number): Promise<Duplex> {
    return new Promise((resolve, reject) => {
      const sock = connect({ host, port });
      sock.once('connect', () => resolve(sock));
      sock.once('error', (err) =>
        reject(
          new TransportError(
            'unreachable',
            this.node,
            `cannot connect to ${host}:${port} from ${this.node}: ${err.message}`,
          ),
        ),
      );
    });
  }

  isUp(): boolean {
    return true;
  }

  onStateChange(_cb: (up: boolean, reason: string | null) => void): () => void {
    // A local link never goes down, so there is nothing to report.
    return () => {};
  }

  /** Kills every command still running and refuses new ones. */
  async close(): Promise<void> {
    this.closed = true;
    for (const pid of this.running) {
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        // Already exited.
      }
    }
  }
}

/** Name and home of a local account (Node has no getpwuid). */
function passwdEntry(uid: number): { name: string; home: string } | null {
  let passwd: string;
  try {
    passwd = readFileSync('/etc/passwd', 'utf8');
  } catch {
    return null;
  }
  for (const line of passwd.split('\n')) {
    const f = line.split(':');
    if (f.length >= 7 && Number(f[2]) === uid) return { name: f[0] ?? '', home: f[5] ?? '/' };
  }
  return null;
}

function findType(y: string): FileEntry['type'] {
  if (y === 'f') return 'file';
  if (y === 'd') return 'dir';
  if (y === 'l') return 'symlink';
  return 'other';
}
