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
  /**
   * Role every pooled connection switches to once connected (session-level SET ROLE), for
   * a login role that holds no privileges itself. Unlike a `-c role=…` startup option it
   * leaves RESET ROLE pointing at the login role, so a user transaction that resets its
   * role gains nothing. Postgres only: PGlite has one embedded session (see README).
   */
  sessionRole?: string | undefined;
}

export async function createDatabase(options: DatabaseOptions): Promise<Database> {
  if (options.databaseUrl) {
    return createPostgresDatabase(options.databaseUrl, options.poolSize ?? 10, options.logger, options.sessionRole);
  }
  return createPgliteDatabase(options.pgliteDataDir ?? 'memory://');
}

async function createPostgresDatabase(
  connectionString: string,
  poolSize: number,
  logger?: Logger,
  sessionRole?: string,
): Promise<Database> {
  const pool = new pg.Pool({
    connectionString,
    max: poolSize,
    ...(sessionRole && {
      onConnect: async (client: pg.ClientBase) => {
        await client.query(`set role ${pg.escapeIdentifier(sessionRole)}`);
      },
    }),
  });
  pool.on('error', (error) => logger?.error({ err: error }, 'idle postgres client failed'));
  const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
  let listener: pg.Client | undefined;
  let closed = false;
  const handlers = new Map<string, Set<(payload: string) => void>>();
  const connectionWatchers = new Set<(connected: boolean) => void>();

  async function connectListener(): Promise<pg.Client> {
    const client = new pg.Client({ connectionString });
    await client.connect();
    client.on('notification', (message) => {
      for (const handler of handlers.get(message.channel) ?? []) handler(message.payload ?? '');
    });
    const lost = (error?: Error) => {
      if (listener !== client) return;
      listener = undefined;
      if (closed) return;
      logger?.error({ err: error }, 'postgres LISTEN connection lost; reconnecting');
      for (const watcher of connectionWatchers) watcher(false);
      void reconnect(250);
    };
    client.on('error', lost);
    client.on('end', () => lost());
    for (const channel of handlers.keys()) await client.query(`LISTEN ${pg.escapeIdentifier(channel)}`);
    listener = client;
    return client;
  }

  async function reconnect(delayMs: number): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve, delayMs));
    if (closed || listener) return;
    try {
      await connectListener();
      for (const watcher of connectionWatchers) watcher(true);
    } catch (error) {
      logger?.warn({ err: error }, 'postgres LISTEN reconnect failed');
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
    async close() {
      closed = true;
      const client = listener;
      listener = undefined;
      await client?.end().catch(() => undefined);
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
    async close() {
      await db.destroy();
      if (!pglite.closed) await pglite.close();
    },
  };
}
