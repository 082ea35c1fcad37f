// Viewers as the server sees them: socket.io clients (websocket transport) subscribed to a cluster.
import { type ViewerSocket, viewerSocket } from '../e2e/support/bench-deps.ts';

/** A controller's address and a signed-in session cookie for its viewers. */
export interface SignedInController {
  url: string;
  cookie: string;
}

export interface Viewers {
  sockets: ViewerSocket[];
  close(): void;
}

/** Connects one viewer and subscribes it; resolves once the cluster snapshot arrived. */
async function connectOne(
  ctl: SignedInController,
  cluster: string,
  setup: (s: ViewerSocket) => void,
): Promise<ViewerSocket> {
  const { url } = ctl;
  const s = viewerSocket(url, ctl.cookie);
  setup(s);
  const snapshot = new Promise<void>((resolve) => s.once('cluster:snapshot', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`viewer could not connect to ${url} within 30 s`)),
      30_000,
    );
    s.once('connect', () => {
      clearTimeout(timer);
      resolve();
    });
    s.once('connect_error', (err) => {
      clearTimeout(timer);
      reject(new Error(`viewer could not connect to ${url}: ${err.message}`));
    });
    s.connect();
  });
  const ack = await s.timeout(30_000).emitWithAck('subscribe', { cluster });
  if (!ack.ok) throw new Error(`subscribe to ${cluster} refused: ${ack.message}`);
  await snapshot;
  return s;
}

/**
 * `n` viewers, connected `batch` at a time (a burst of 1000 handshakes at once only measures the
 * accept queue). `setup` attaches listeners before connecting, so no event is missed.
 */
export async function connectViewers(
  ctl: SignedInController,
  cluster: string,
  n: number,
  setup: (s: ViewerSocket, index: number) => void = () => {},
  batch = 50,
): Promise<Viewers> {
  const sockets: ViewerSocket[] = [];
  const close = () => {
    for (const s of sockets) s.disconnect();
  };
  try {
    for (let i = 0; i < n; i += batch) {
      const idx = Array.from({ length: Math.min(batch, n - i) }, (_, k) => i + k);
      const got = await Promise.allSettled(idx.map((k) => connectOne(ctl, cluster, (s) => setup(s, k))));
      for (const g of got) if (g.status === 'fulfilled') sockets.push(g.value);
      const failed = got.find((g) => g.status === 'rejected');
      if (failed) throw (failed as PromiseRejectedResult).reason;
    }
  } catch (err) {
    close();
    throw err;
  }
  return { sockets, close };
}
