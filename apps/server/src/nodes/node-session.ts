import type { NodeConfig } from '@walboard/shared/config';
import pg from 'pg';
import { type Capabilities, capabilitiesFor } from '../postgres/capabilities.ts';
import type { Transport } from './transport.ts';

/** How to reach a node's PostgreSQL: direct TCP, or a stream opened through the node's transport. */
export interface PgEndpoint {
  host: string;
  port: number;
  user: string;
  database: string;
  password: string | undefined;
  /** Set for ssh tunnels: pg gets a socket-like stream instead of dialing TCP itself. */
  stream?: () => import('node:stream').Duplex;
}

export interface PgClientOptions {
  connectTimeoutMs: number;
  queryTimeoutMs: number;
  applicationName: string;
}

/**
 * A node as the controller holds it: its transport, its PostgreSQL endpoint and, once a connection
 * has answered, its Capabilities. Only this module talks to `pg` directly.
 */
export class NodeSession {
  private caps: Capabilities | null = null;
  private sharedPool: pg.Pool | null = null;
  /** Dedicated connections open now (pollers'): a hold closes them. */
  private readonly open = new Set<PgConnection>();
  /** Why walboard keeps off this node's PostgreSQL right now (a smart stop waits for clients). */
  private heldFor: string | null = null;

  constructor(
    readonly cluster: string,
    readonly config: NodeConfig,
    readonly transport: Transport,
    private readonly endpoint: PgEndpoint,
  ) {}

  get name(): string {
    return this.config.name;
  }

  get host(): string {
    return this.config.transport === 'ssh' ? this.config.host : 'localhost';
  }

  /** Known after the first successful connection; version differences come from here only. */
  get capabilities(): Capabilities | null {
    return this.caps;
  }

  /**
   * Runs one statement on the node's shared pool (operations, REST reads). Pollers keep their own
   * connection instead, so a slow operation never delays the live view.
   */
  async query<R extends pg.QueryResultRow>(text: string, values: unknown[] = []): Promise<R[]> {
    if (this.heldFor) throw new Error(this.heldFor);
    this.sharedPool ??= this.newPool();
    try {
      return (await this.sharedPool.query<R>(text, values)).rows;
    } catch (err) {
      throw pgError(err, this.endpoint);
    }
  }

  /** Why walboard's connections to this node are held off, or null. */
  get held(): string | null {
    return this.heldFor;
  }

  /**
   * Closes every connection walboard has to this node and refuses new ones until the returned
   * function is called: a smart shutdown waits for every client session, walboard's own included.
   */
  holdConnections(reason: string): () => void {
    this.heldFor = reason;
    for (const c of this.open) c.close();
    this.open.clear();
    const p = this.sharedPool;
    this.sharedPool = null;
    // Idle pooled clients disconnect at once; one in use ends when its statement does.
    if (p) void p.end().catch(() => {});
    return () => {
      if (this.heldFor === reason) this.heldFor = null;
    };
  }

  /** Ends the shared pool; pollers close their own connections. */
  async close(): Promise<void> {
    const p = this.sharedPool;
    this.sharedPool = null;
    // pool.end() waits for each client's goodbye; through a cut link that never comes. The
    // transport closes right after and tears the streams down anyway, so wait at most 2 s.
    if (p) await Promise.race([p.end().catch(() => {}), new Promise((r) => setTimeout(r, 2000).unref())]);
  }

  private newPool(): pg.Pool {
    const pool = new pg.Pool({
      host: this.endpoint.host,
      port: this.endpoint.port,
      user: this.endpoint.user,
      database: this.endpoint.database,
      password: this.endpoint.password,
      application_name: 'walboard',
      max: 3,
      idleTimeoutMillis: 30_000,
      connectionTimeoutMillis: 5_000,
      keepAlive: true,
      ...(this.endpoint.stream ? { stream: this.endpoint.stream } : {}),
    });
    // An idle client dying (node restarted, link cut) is reported by the next query, not thrown.
    pool.on('error', () => {});
    return pool;
  }

  /** Opens a dedicated connection (pollers keep one for their prepared statements). */
  async connect(opts: PgClientOptions): Promise<PgConnection> {
    if (this.heldFor) throw new Error(this.heldFor);
    const client = new pg.Client({
      host: this.endpoint.host,
      port: this.endpoint.port,
      user: this.endpoint.user,
      database: this.endpoint.database,
      password: this.endpoint.password,
      application_name: opts.applicationName,
      connectionTimeoutMillis: opts.connectTimeoutMs,
      query_timeout: opts.queryTimeoutMs,
      keepAlive: true,
      ...(this.endpoint.stream ? { stream: this.endpoint.stream } : {}),
    });
    // An error on an idle client must not crash the process; the next query reports it.
    client.on('error', () => {});
    try {
      await client.connect();
    } catch (err) {
      void client.end().catch(() => {});
      throw pgError(err, this.endpoint);
    }
    if (this.heldFor) {
      // A hold began while this connection was being made: it must not become a session.
      void client.end().catch(() => {});
      throw new Error(this.heldFor);
    }
    const conn = new PgConnection(client, this.endpoint);
    this.open.add(conn);
    client.on('end', () => this.open.delete(conn));
    if (!this.caps) {
      const row = await conn.query<{ v: string }>({
        text: "SELECT current_setting('server_version_num') AS v",
      });
      this.caps = capabilitiesFor(Number(row.rows[0]?.v));
    }
    return conn;
  }
}

/** One open PostgreSQL connection; errors are rewritten to say where and what. */
export class PgConnection {
  private ended = false;

  constructor(
    private readonly client: pg.Client,
    private readonly endpoint: PgEndpoint,
  ) {
    client.on('end', () => {
      this.ended = true;
    });
  }

  get alive(): boolean {
    return !this.ended;
  }

  async query<R extends pg.QueryResultRow>(q: { name?: string; text: string; values?: unknown[] }) {
    try {
      return await this.client.query<R>(q);
    } catch (err) {
      throw pgError(err, this.endpoint);
    }
  }

  /** Closes without waiting: a half-dead tunnel must not hold a poller hostage. */
  close(): void {
    this.ended = true;
    void this.client.end().catch(() => {});
  }
}

/** A PostgreSQL or socket error, told in one line; `code` is PostgreSQL's SQLSTATE or the errno. */
export class PgError extends Error {
  constructor(
    message: string,
    readonly code: string | null,
    /** The server's own message, e.g. "the database system is shutting down". */
    readonly serverMessage: string,
  ) {
    super(message);
    this.name = 'PgError';
  }
}

function pgError(err: unknown, ep: Pick<PgEndpoint, 'host' | 'port'>): PgError {
  const e = err as { code?: unknown; message?: string };
  return new PgError(
    describePgError(err, ep),
    typeof e.code === 'string' ? e.code : null,
    (e.message ?? String(err)).split('\n')[0] ?? '',
  );
}

/**
 * What a refused connection says of the server's state: 57P03 is "cannot connect now", and its
 * message tells a shutdown in progress from a server that is still starting (or recovering).
 */
export function serverStateOf(err: unknown): 'shutting-down' | 'starting-up' | null {
  if (!(err instanceof PgError) || err.code !== '57P03') return null;
  if (/shutting down/i.test(err.serverMessage)) return 'shutting-down';
  return 'starting-up';
}

/** Turns pg/socket errors into one line for a user, never including the password. */
export function describePgError(err: unknown, ep: Pick<PgEndpoint, 'host' | 'port'>): string {
  const e = err as { code?: string; message?: string };
  const where = `PostgreSQL at ${ep.host}:${ep.port}`;
  const msg = (e.message ?? String(err)).split('\n')[0] ?? '';
  switch (e.code) {
    case 'ECONNREFUSED':
      return `${where} refused the connection: is the server running?`;
    case 'ETIMEDOUT':
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return `${where} cannot be reached (${e.code})`;
    case '28P01':
    case '28000':
      return `${where} rejected the login: ${msg}`;
    case '57P03':
      return `${where} is starting up or shutting down: ${msg}`;
    default:
      if (/timeout/i.test(msg)) return `${where} did not answer in time (${msg})`;
      return `${where}: ${msg}`;
  }
}
