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
    this.sharedPool ??= this.newPool();
    try {
      return (await this.sharedPool.query<R>(text, values)).rows;
    } catch (err) {
      throw new Error(describePgError(err, this.endpoint));
    }
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
      throw new Error(describePgError(err, this.endpoint));
    }
    const conn = new PgConnection(client, this.endpoint);
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
      throw new Error(describePgError(err, this.endpoint));
    }
  }

  /** Closes without waiting: a half-dead tunnel must not hold a poller hostage. */
  close(): void {
    this.ended = true;
    void this.client.end().catch(() => {});
  }
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
