import { randomBytes } from 'node:crypto';
import { createDatabase, type Database } from '@wfb/core/db/driver.js';
import pg from 'pg';
import { migrate } from '../src/db/migrate.js';

/**
 * Every database test runs against each driver: embedded PGlite always, and a real
 * Postgres server when TEST_DATABASE_URL names one (CI always sets it; `.ci/run`
 * refuses to run without it). Each call gets a fresh, migrated database.
 */
export type DriverKind = 'pglite' | 'postgres';

const serverUrl = process.env.TEST_DATABASE_URL;

export const driverKinds: DriverKind[] = serverUrl ? ['pglite', 'postgres'] : ['pglite'];

if (process.env.CI === 'true' && !serverUrl) {
  throw new Error('CI must set TEST_DATABASE_URL so database tests also run on a real Postgres server');
}

export interface TestDatabase extends Database {
  /** A connection string for this test database (postgres only). */
  url: string | undefined;
}

export async function createTestDatabase(kind: DriverKind): Promise<TestDatabase> {
  if (kind === 'pglite') {
    const database = await createDatabase({ pgliteDataDir: 'memory://' });
    await migrate(database.db);
    return Object.assign(database, { url: undefined });
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
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const database = await createDatabase({ databaseUrl: url.toString(), poolSize: 5 });
  await migrate(database.db);
  const close = database.close.bind(database);
  return Object.assign(database, {
    url: url.toString(),
    async close() {
      await close();
      const dropper = new pg.Client({ connectionString: serverUrl });
      await dropper.connect();
      await dropper.query(`drop database if exists ${name} with (force)`);
      await dropper.end();
    },
  });
}
