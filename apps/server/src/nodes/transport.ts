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
  /** Whether the link itself is up right now (always true for local). */
  isUp(): boolean;
  /** Called whenever the link goes up or down, with the reason when down. */
  onStateChange(cb: (up: boolean, reason: string | null) => void): () => void;
  close(): Promise<void>;
}
