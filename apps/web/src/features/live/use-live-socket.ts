import type { ClientToServerEvents, ServerToClientEvents } from '@walboard/shared';
import { useEffect, useState } from 'react';
import { io, type Socket } from 'socket.io-client';

export type LiveSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/** `connecting` until the first connect; `reconnecting` whenever the link drops after that. */
export type ConnectionState = 'connecting' | 'connected' | 'reconnecting';

export interface LiveConnection {
  socket: LiveSocket | null;
  connection: ConnectionState;
  /** Counts connects after the first one: whatever was fetched before may be outdated. */
  reconnects: number;
}

// socket.io retries on its own after network loss, but not after the server closed the socket
// or refused the handshake; the banner says "Reconnecting…", so we keep that promise.
const giveUpRetryMs = 3000;

/** One socket.io connection to the controller for the whole page (same origin, /socket.io). */
export function useLiveSocket(): LiveConnection {
  const [socket, setSocket] = useState<LiveSocket | null>(null);
  const [connection, setConnection] = useState<ConnectionState>('connecting');
  const [reconnects, setReconnects] = useState(0);

  useEffect(() => {
    const s: LiveSocket = io();
    let closed = false;
    let everConnected = false;
    let retry: ReturnType<typeof setTimeout> | undefined;

    const retryIfGivenUp = () => {
      if (closed || s.active) return;
      clearTimeout(retry);
      retry = setTimeout(() => s.connect(), giveUpRetryMs);
    };
    s.on('connect', () => {
      if (everConnected) setReconnects((n) => n + 1);
      everConnected = true;
      setConnection('connected');
    });
    s.on('disconnect', () => {
      setConnection('reconnecting');
      retryIfGivenUp();
    });
    s.on('connect_error', retryIfGivenUp);
    setSocket(s);

    return () => {
      closed = true;
      clearTimeout(retry);
      s.disconnect();
    };
  }, []);

  return { socket, connection, reconnects };
}
