import type { ClientToServerEvents, ServerToClientEvents } from '@walboard/shared';
import { useEffect, useRef, useState } from 'react';
import { io, type Socket } from 'socket.io-client';
import { getJson } from '../../api/get-json.ts';

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

// The controller refuses the handshake with these messages when the cookie's session is missing or
// ended, or the page's Origin is not its own: retrying cannot help, only signing in again can.
const authRefusals: ReadonlySet<string> = new Set(['unauthorized', 'forbidden origin']);

/**
 * One socket.io connection to the controller for the whole page (same origin, /socket.io). Mount
 * it only inside the session gate: the handshake carries the session cookie. `onSessionLost` is
 * called when the server refuses the session or says it ended.
 */
export function useLiveSocket(onSessionLost: (why?: string) => void, csrfToken?: string): LiveConnection {
  const csrf = useRef(csrfToken);
  useEffect(() => {
    csrf.current = csrfToken;
  });
  const sessionLost = useRef(onSessionLost);
  useEffect(() => {
    sessionLost.current = onSessionLost;
  });
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
    s.on('connect_error', (err) => {
      if (authRefusals.has(err.message)) {
        closed = true;
        s.disconnect();
        sessionLost.current();
        return;
      }
      // A refusal at the engine level (before socket.io middleware) reaches the client only as a
      // transport error: ask the controller whether the session is still there. Its 401 brings
      // back the login form through getJson's unauthenticated listeners; other failures are ignored.
      // A different session (the lab signs a browser in again by itself) means a different CSRF
      // token: go through the gate again so the page holds the new one.
      getJson<{ csrfToken: string }>('/api/session').then(
        (info) => {
          if (csrf.current !== undefined && info.csrfToken !== csrf.current) sessionLost.current();
        },
        () => undefined,
      );
      retryIfGivenUp();
    });
    s.on('session:ended', (ev) => {
      closed = true;
      s.disconnect();
      // The server says why (password changed, access reduced, expired): the login form shows it.
      sessionLost.current(typeof ev?.reason === 'string' ? ev.reason.slice(0, 300) : undefined);
    });
    setSocket(s);

    return () => {
      closed = true;
      clearTimeout(retry);
      s.disconnect();
    };
  }, []);

  return { socket, connection, reconnects };
}
