// socket.io-client for the bench: the server package has it (its tests use it); e2e does not list
// it, and packages are not added from here, so it is loaded from the server package's resolution.
import { createRequire } from 'node:module';
import type * as SocketIoClient from '@walboard/server/node_modules/socket.io-client';
import type { ClientToServerEvents, ServerToClientEvents } from '@walboard/shared/events';

const fromServer = createRequire(import.meta.resolve('@walboard/server/package.json'));
const sio = fromServer('socket.io-client') as typeof SocketIoClient;

export type ViewerSocket = SocketIoClient.Socket<ServerToClientEvents, ClientToServerEvents>;

/**
 * A socket.io client on the websocket transport only (what a page ends up on), not yet connected.
 * `headers` adds to the cookie (an Origin, as a hostile page's browser would send it).
 */
export function viewerSocket(
  url: string,
  cookie: string,
  headers: Record<string, string> = {},
  transport: 'websocket' | 'polling' = 'websocket',
): ViewerSocket {
  return sio.io(url, {
    transports: [transport],
    autoConnect: false,
    reconnection: false,
    forceNew: true,
    extraHeaders: { ...headers, cookie },
  });
}
