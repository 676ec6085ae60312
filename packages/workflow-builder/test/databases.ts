import { randomBytes } from 'node:crypto';
import { createDatabase, type Database } from '@wfb/core/db/driver.js';
import type { DB } from '@wfb/core/db/schema.js';
import { type Kysely, sql } from 'kysely';
import pg from 'pg';
import { assumeSystemRole, systemRole } from '../src/db/app-database.js';
import { migrate } from '../src/db/migrate.js';

/**
 * Every database test runs against each driver: embedded PGlite always, and a real
 * Postgres server when TEST_DATABASE_URL names one (CI always sets it; `.ci/run`
 * refuses to run without it). Each call gets a fresh, migrated database that runs like
 * the app's: on Postgres the pool logs in as `authenticator` (the server trusts
 * 127.0.0.1, so no password) and works as the service role, user transactions switch to
 * `authenticated`; migrations run as the server URL's (owner) user. PGlite is one
 * embedded superuser session switched to the service role.
 */
export type DriverKind = 'pglite' | 'postgres';

const serverUrl = process.env.TEST_DATABASE_URL;

export const driverKinds: DriverKind[] = serverUrl ? ['pglite', 'postgres'] : ['pglite'];

if (process.env.CI === 'true' && !serverUrl) {
  throw new Error('CI must set TEST_DATABASE_URL so database tests also run on a real Postgres server');
}

/** The login role the app connects as (created by migration 20261201000300). */
export const loginRole = 'authenticator';

export interface TestDatabase extends Database {
  /** The app's connection string, as the login role (postgres only). */
  url: string | undefined;
  /** The owner's connection string, for migrations (postgres only). */
  adminUrl: string | undefined;
  /** Runs `work` as the owner that migrates: schema changes, migration bookkeeping. */
  asOwner<T>(work: (db: Kysely<DB>) => Promise<T>): Promise<T>;
}

export async function createTestDatabase(kind: DriverKind): Promise<TestDatabase> {
  if (kind === 'pglite') {
    const database = await createDatabase({ pgliteDataDir: 'memory://' });
    await migrate(database.db);
    await assumeSystemRole(database);
    return Object.assign(database, {
      url: undefined,
      adminUrl: undefined,
      async asOwner<T>(work: (db: Kysely<DB>) => Promise<T>): Promise<T> {
        await sql`reset role`.execute(database.db);
        try {
          return await work(database.db);
        } finally {
          await assumeSystemRole(database);
        }
      },
    });
  }
  if (!serverUrl) throw new Error('TEST_DATABASE_URL is not set');
  return createScratchPostgres(serverUrl, 'wfb_test');
}

/**
 * A fresh, migrated database with a random name on the server `serverUrl` names, dropped
 * again on close; the benchmarks use it too, with their own `prefix`.
 */
export async function createScratchPostgres(serverUrl: string, prefix: string): Promise<TestDatabase> {
  const name = `${prefix}_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const adminUrl = new URL(serverUrl);
  adminUrl.pathname = `/${name}`;
  const asOwner = async <T>(work: (db: Kysely<DB>) => Promise<T>): Promise<T> => {
    const owner = await createDatabase({ databaseUrl: adminUrl.toString(), poolSize: 1 });
    try {
      return await work(owner.db);
    } finally {
      await owner.close();
    }
  };
  await asOwner((db) => migrate(db));
  const url = new URL(adminUrl);
  url.username = loginRole;
  url.password = '';
  const database = await createDatabase({ databaseUrl: url.toString(), poolSize: 5, sessionRole: systemRole });
  const close = database.close.bind(database);
  return Object.assign(database, {
    url: url.toString(),
    adminUrl: adminUrl.toString(),
    asOwner,
    async close() {
      await close();
      const dropper = new pg.Client({ connectionString: serverUrl });
      await dropper.connect();
      await dropper.query(`drop database if exists ${name} with (force)`);
      await dropper.end();
    },
  });
}
