// File operations over the one SFTP session of an SshTransport connection.
import type { FileEntryWithStats, SFTPWrapper, Stats } from 'ssh2';
import { atomicTempPath, DEFAULT_FILE_MODE, fileTypeOf } from './local-transport.ts';
import { type FileEntry, type FileStat, TransportError } from './transport.ts';

const SFTP_NO_SUCH_FILE = 2;

export interface SftpContext {
  node: string;
  /** `node (user@host:port)`, for messages. */
  where: () => string;
  /** The connection's SFTP session, opened on first use. */
  session: () => Promise<SFTPWrapper>;
  /** The error to report when the connection is down, or null while it is up. */
  linkDown: () => TransportError | null;
}

/** readFile/writeFileAtomic/list/stat of the Transport interface, done over SFTP. */
export class SftpFiles {
  constructor(private readonly ctx: SftpContext) {}

  private call<T>(
    what: string,
    path: string,
    run: (cb: (err: (Error & { code?: unknown }) | undefined | null, v: T) => void) => void,
  ): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      run((err, v) => {
        if (!err) return resolve(v);
        const { node } = this.ctx;
        if (err.code === SFTP_NO_SUCH_FILE) {
          return reject(new TransportError('not-found', node, `${what}: ${path} does not exist on ${node}`));
        }
        reject(
          this.ctx.linkDown() ??
            new TransportError(
              'command-failed',
              node,
              `${what} ${path} on ${this.ctx.where()} failed: ${err.message}`,
              'check the path and the permissions of the SSH user',
            ),
        );
      });
    });
  }

  async readFile(path: string): Promise<Buffer> {
    const s = await this.ctx.session();
    return this.call<Buffer>('readFile', path, (cb) => s.readFile(path, cb));
  }

  async writeFileAtomic(path: string, data: string | Buffer, mode = DEFAULT_FILE_MODE): Promise<void> {
    const s = await this.ctx.session();
    const tmp = atomicTempPath(path);
    const buf = Buffer.from(data);
    const call = <T>(run: (cb: (err: Error | undefined | null, v: T) => void) => void) =>
      this.call<T>('writeFileAtomic', path, run);
    try {
      const handle = await call<Buffer>((cb) => s.open(tmp, 'wx', { mode }, cb));
      try {
        if (buf.length > 0)
          await call<void>((cb) => s.write(handle, buf, 0, buf.length, 0, (e) => cb(e, undefined)));
        // The server applies its umask to open()'s mode; fchmod makes it exactly `mode`.
        await call<void>((cb) => s.fchmod(handle, mode, (e) => cb(e, undefined)));
        await call<void>((cb) => s.ext_openssh_fsync(handle, (e) => cb(e, undefined))).catch(
          (err: unknown) => {
            if (!/does not support/.test((err as Error).message)) throw err;
          },
        );
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
    const s = await this.ctx.session();
    const entries = await this.call<FileEntryWithStats[]>('list', dir, (cb) => s.readdir(dir, cb));
    return entries
      .filter((e) => e.filename !== '.' && e.filename !== '..')
      .map((e) => ({
        name: e.filename,
        type: fileTypeOf(e.attrs.mode),
        size: e.attrs.size,
        mtimeMs: e.attrs.mtime * 1000,
      }));
  }

  /** Follows symlinks; null when nothing exists at `path`. `mode` holds the permission bits only. */
  async stat(path: string): Promise<FileStat | null> {
    const s = await this.ctx.session();
    try {
      const st = await this.call<Stats>('stat', path, (cb) => s.stat(path, cb));
      return { type: fileTypeOf(st.mode), size: st.size, mtimeMs: st.mtime * 1000, mode: st.mode & 0o7777 };
    } catch (err) {
      if (err instanceof TransportError && err.code === 'not-found') return null;
      throw err;
    }
  }
}
