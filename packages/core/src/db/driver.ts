import { mkdirSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { Logger } from '../logger.js';
import { createPgliteDialect } from './pglite-dialect.js';
import type { DB } from './schema.js';

/**
 * One driver interface, two implementations: a `pg` pool for a real Postgres server and
 * embedded PGlite for zero-setup local runs. Callers see Kysely plus LISTEN support.
 */
export interface Database {
  readonly kind: 'postgres' | 'pglite';
  readonly db: Kysely<DB>;
  /**
   * Subscribes to a NOTIFY channel; resolves once listening. Returns an unsubscribe.
   * `onConnection(false)` means notifications may have been missed (the LISTEN
   * connection dropped); `onConnection(true)` follows once listening again.
   */
  listen(
    channel: string,
    onPayload: (payload: string) => void,
    onConnection?: (connected: boolean) => void,
  ): Promise<() => Promise<void>>;
  ping(): Promise<void>;
  /**
   * A connection of its own, outside the pool, for state that lives as long as a session
   * (advisory locks); `undefined` on PGlite, whose one connection is the whole database.
   */
  openSession(): Promise<pg.Client> | undefined;
  close(): Promise<void>;
}

// int8 counts fit comfortably in a double; keep both drivers returning numbers.
pg.types.setTypeParser(20, (value) => Number(value));

export interface DatabaseOptions {
  databaseUrl?: string | undefined;
  /** Directory for PGlite's files; `memory://` keeps it in memory (tests). */
  pgliteDataDir?: string | undefined;
  poolSize?: number;
  logger?: Logger;
  /** How often the LISTEN connection proves it is alive (Postgres only). */
  listenHeartbeatMs?: number;
  /** How long a heartbeat may take before the LISTEN connection counts as dead. */
  listenHeartbeatTimeoutMs?: number;
  /**
   * Role every pooled connection switches to once connected (session-level SET ROLE), for
   * a login role that holds no privileges itself. Unlike a `-c role=…` startup option it
   * leaves RESET ROLE pointing at the login role, so a user transaction that resets its
   * role gains nothing. Postgres only: PGlite has one embedded session (see README).
   */
  sessionRole?: string | undefined;
}

function withDeadline<T>(work: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  return Promise.race([work, expired]).finally(() => clearTimeout(timer));
}

/**
 * Postgres sockets get TCP keepalive so a peer that vanished (a NAT or firewall dropping
 * the flow) is noticed by the kernel, not never.
 */
const keepAlive = { keepAlive: true, keepAliveInitialDelayMillis: 10_000 } as const;

export async function createDatabase(options: DatabaseOptions): Promise<Database> {
  if (options.databaseUrl) return createPostgresDatabase(options.databaseUrl, options);
  return createPgliteDatabase(options.pgliteDataDir ?? 'memory://');
}

async function createPostgresDatabase(connectionString: string, options: DatabaseOptions): Promise<Database> {
  const { logger, sessionRole } = options;
  const heartbeatMs = options.listenHeartbeatMs ?? 1_000;
  const heartbeatTimeoutMs = options.listenHeartbeatTimeoutMs ?? 2_000;
  const pool = new pg.Pool({
    connectionString,
    max: options.poolSize ?? 10,
    ...keepAlive,
    ...(sessionRole && {
      onConnect: async (client: pg.ClientBase) => {
        await client.query(`set role ${pg.escapeIdentifier(sessionRole)}`);
      },
    }),
  });
  pool.on('error', (error) => logger?.error({ err: error }, 'idle postgres client failed'));
  // A client checked out of the pool (a transaction between statements) that loses its
  // socket emits 'error' with no pool listener attached: unhandled, it would crash the
  // process. Its pending query fails anyway; the outage itself is logged by the listener.
  pool.on('connect', (client) => {
    client.on('error', () => undefined);
  });
  const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
  let listener: pg.Client | undefined;
  let closed = false;
  const handlers = new Map<string, Set<(payload: string) => void>>();
  const connectionWatchers = new Set<(connected: boolean) => void>();

  let heartbeat: NodeJS.Timeout | undefined;
  let beating = false;
  let reconnectFailing = false;

  /**
   * Nothing is ever sent on a LISTEN connection, so a stalled backend or a silently dropped
   * socket would look healthy forever while notifications (key revocations) go missing. A
   * round trip with a deadline proves it is alive; one that misses it counts as a lost
   * connection: watchers hear `false` (and stop trusting caches) until a new one listens.
   */
  async function beat() {
    const client = listener;
    if (!client || beating) return;
    beating = true;
    try {
      await withDeadline(client.query('select 1'), heartbeatTimeoutMs, 'LISTEN connection missed its heartbeat');
    } catch (error) {
      if (listener === client) {
        dropListener(client, error instanceof Error ? error : new Error(String(error)));
        // A stalled peer may never answer the goodbye either.
        client.end().catch(() => undefined);
      }
    } finally {
      beating = false;
    }
  }

  function dropListener(client: pg.Client, error?: Error) {
    if (listener !== client) return;
    listener = undefined;
    if (closed) return;
    logger?.error({ err: error }, 'postgres LISTEN connection lost; reconnecting');
    for (const watcher of connectionWatchers) watcher(false);
    void reconnect(250);
  }

  async function connectListener(): Promise<pg.Client> {
    const client = new pg.Client({ connectionString, ...keepAlive });
    client.on('notification', (message) => {
      for (const handler of handlers.get(message.channel) ?? []) handler(message.payload ?? '');
    });
    client.on('error', (error) => dropListener(client, error));
    client.on('end', () => dropListener(client));
    try {
      // A server that accepts the socket and then stalls must not hang the reconnect loop.
      await withDeadline(
        (async () => {
          await client.connect();
          for (const channel of handlers.keys()) await client.query(`LISTEN ${pg.escapeIdentifier(channel)}`);
        })(),
        heartbeatTimeoutMs * 2,
        'LISTEN connection did not come up in time',
      );
    } catch (error) {
      client.end().catch(() => undefined);
      throw error;
    }
    heartbeat ??= setInterval(() => void beat(), heartbeatMs);
    heartbeat.unref();
    listener = client;
    return client;
  }

  async function reconnect(delayMs: number): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve, delayMs));
    if (closed || listener) return;
    try {
      await connectListener();
      reconnectFailing = false;
      logger?.info('postgres LISTEN connection restored');
      for (const watcher of connectionWatchers) watcher(true);
    } catch (error) {
      // One line per outage, not one per attempt.
      if (!reconnectFailing) logger?.warn({ err: error }, 'postgres LISTEN reconnect failed; retrying with backoff');
      reconnectFailing = true;
      void reconnect(Math.min(delayMs * 2, 10_000));
    }
  }

  return {
    kind: 'postgres',
    db,
    async listen(channel, onPayload, onConnection) {
      let set = handlers.get(channel);
      if (!set) {
        set = new Set();
        handlers.set(channel, set);
        if (listener) await listener.query(`LISTEN ${pg.escapeIdentifier(channel)}`);
      }
      set.add(onPayload);
      if (!listener) await connectListener();
      if (onConnection) connectionWatchers.add(onConnection);
      const subscribed = set;
      return async () => {
        subscribed.delete(onPayload);
        if (onConnection) connectionWatchers.delete(onConnection);
      };
    },
    async ping() {
      await pool.query('select 1');
    },
    async openSession() {
      const client = new pg.Client({ connectionString, ...keepAlive });
      await client.connect();
      return client;
    },
    async close() {
      closed = true;
      if (heartbeat) clearInterval(heartbeat);
      const client = listener;
      listener = undefined;
      // A stalled server may never acknowledge the goodbye.
      if (client) await withDeadline(client.end(), heartbeatTimeoutMs, 'LISTEN close').catch(() => undefined);
      await db.destroy();
    },
  };
}

async function createPgliteDatabase(dataDir: string): Promise<Database> {
  if (!dataDir.startsWith('memory://')) mkdirSync(dataDir, { recursive: true });
  const pglite = await PGlite.create(dataDir);
  const db = new Kysely<DB>({ dialect: createPgliteDialect(pglite) });
  return {
    kind: 'pglite',
    db,
    async listen(channel, onPayload) {
      const unsubscribe = await pglite.listen(channel, onPayload);
      return unsubscribe;
    },
    async ping() {
      await pglite.query('select 1');
    },
    openSession: () => undefined,
    async close() {
      await db.destroy();
      if (!pglite.closed) await pglite.close();
    },
  };
}
