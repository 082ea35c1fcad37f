// pg dials its own sockets; this hands it one that is really a Transport.connectTcp stream.
import { Duplex } from 'node:stream';
import type { Transport } from './transport.ts';

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
    // Like net.Socket: once the far end is done, end our side too, and autoDestroy emits 'close'
    // after both, which pg turns into its 'end'.
    super({ allowHalfOpen: false });
  }

  connect(port: number | string, host?: string): this {
    const targetPort = this.port ?? (typeof port === 'number' ? port : Number.NaN);
    const targetHost = this.host ?? host ?? 'localhost';
    if (!Number.isInteger(targetPort)) {
      this.destroy(
        new Error(
          `cannot tunnel to ${String(port)}: only TCP host:port targets work through ${this.transport.node}`,
        ),
      );
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
        // A channel torn down without EOF (connection lost) still ends the stream for pg.
        inner.on('close', () => this.push(null));
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
    // Not inner.end(cb): on an already closed channel that callback reports an error pg would surface.
    if (this.inner && !this.inner.writableEnded && !this.inner.destroyed) this.inner.end();
    cb();
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
