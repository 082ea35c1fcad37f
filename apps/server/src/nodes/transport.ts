import type { Duplex } from 'node:stream';

/** What one remote (or local) command printed, and how it ended. */
export interface ExecResult {
  code: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
}

export interface ExecOptions {
  /** Kill the command (and fail with TransportError code 'timeout') after this long. */
  timeoutMs?: number;
  /** Bytes written to the command's stdin, then stdin is closed. */
  input?: string | Buffer;
}

/** A running command whose output is read line by line (log tails, progress). */
export interface LineStream {
  /** Called once per complete line (without its newline), stdout and stderr apart. */
  onLine(cb: (line: string, from: 'stdout' | 'stderr') => void): void;
  /** Resolves when the command exits or the stream is stopped. */
  readonly done: Promise<{ code: number | null; signal: string | null }>;
  stop(): void;
}

/** A command started by Transport.spawn. */
export interface RawProcess {
  stdin: import('node:stream').Writable | null;
  stdout: import('node:stream').Readable;
  stderr: import('node:stream').Readable;
  /** Settles when the command has exited and its output ended; rejects if the link was lost. */
  readonly done: Promise<{ code: number | null; signal: string | null }>;
  kill(): void;
}

export interface FileEntry {
  name: string;
  type: 'file' | 'dir' | 'symlink' | 'other';
  size: number;
  /** Modification time, ms since the epoch. */
  mtimeMs: number;
}

export interface FileStat {
  type: FileEntry['type'];
  size: number;
  mtimeMs: number;
  mode: number;
}

export type TransportErrorCode =
  | 'unreachable'
  | 'host-key-mismatch'
  | 'auth-failed'
  | 'timeout'
  | 'not-found'
  | 'command-failed'
  | 'closed';

/** Carries what failed, on which node, and what to do next. */
export class TransportError extends Error {
  constructor(
    readonly code: TransportErrorCode,
    readonly node: string,
    message: string,
    readonly hint?: string,
  ) {
    super(message);
    this.name = 'TransportError';
  }
}

/** Runs commands and moves files on one node. argv is always quoted by shellQuote, never joined by hand. */
export interface Transport {
  readonly kind: 'ssh' | 'local';
  readonly node: string;
  exec(argv: readonly string[], opts?: ExecOptions): Promise<ExecResult>;
  stream(argv: readonly string[]): Promise<LineStream>;
  readFile(path: string): Promise<Buffer>;
  /** Writes a temp file beside `path`, then renames it over: readers never see half a file. */
  writeFileAtomic(path: string, data: string | Buffer, mode?: number): Promise<void>;
  list(dir: string): Promise<FileEntry[]>;
  stat(path: string): Promise<FileStat | null>;
  /** A byte stream to host:port as seen from the node (ssh: direct-tcpip; local: plain TCP). */
  connectTcp(host: string, port: number): Promise<Duplex>;
  /**
   * ssh only: the server's whole host key, as verified against walboard's pin at the last key
   * exchange (null until then). Other nodes learn it from here, never from ssh-keyscan.
   */
  verifiedHostKey?(): { type: string; blob: string } | null;
  /**
   * Starts argv with raw byte pipes (copies, progress written with \r): stdin if asked for,
   * stdout and stderr as they come — the caller must read (or resume) both, or the command's
   * end is never seen. kill() ends the command's whole process group.
   */
  spawn(argv: readonly string[], opts?: { stdin?: boolean }): Promise<RawProcess>;
  /** Whether the link itself is up right now (always true for local). */
  isUp(): boolean;
  /** Called whenever the link goes up or down, with the reason when down. */
  onStateChange(cb: (up: boolean, reason: string | null) => void): () => void;
  close(): Promise<void>;
}
