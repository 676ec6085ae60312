import { join } from 'node:path';
import { createDatabase, type Database } from '@wfb/core/db/driver.js';
import type { Logger } from '@wfb/core/logger.js';
import { sql } from 'kysely';
import type { Env } from '../env.js';
import { type MigrateResult, migrate } from './migrate.js';

/**
 * The role system (non-user) queries run as: key verification, route reloads, token
 * refresh, usage audit, key rotation. User transactions switch to `authenticated` from it
 * (withUserTransaction). Both are roles the login role `authenticator` may switch to; see
 * supabase/migrations/20261201000300_login_role.sql and the README's role model.
 */
export const systemRole = 'service_role';

export interface AppDatabaseOptions {
  poolSize: number;
  logger?: Logger;
  /** Apply pending migrations first (through DATABASE_ADMIN_URL on Postgres). */
  migrate: boolean;
}

/**
 * Opens the app's database with every query running as the system role. On Postgres,
 * migrations use their own short-lived owner connection; the app's pool logs in with
 * DATABASE_URL. PGlite is one embedded superuser session: it migrates on that session,
 * then switches it to the system role.
 */
export async function openAppDatabase(env: Env, options: AppDatabaseOptions): Promise<Database> {
  if (env.DATABASE_URL) {
    if (options.migrate) await migrateAsOwner(env, options.logger);
    return createDatabase({
      databaseUrl: env.DATABASE_URL,
      poolSize: options.poolSize,
      sessionRole: systemRole,
      ...(options.logger && { logger: options.logger }),
    });
  }
  const database = await createDatabase({ pgliteDataDir: join(env.DATA_DIR, 'pglite') });
  try {
    if (options.migrate) await migrate(database.db, options.logger ? { logger: options.logger } : {});
    await assumeSystemRole(database);
  } catch (error) {
    await database.close();
    throw error;
  }
  return database;
}

/** Applies pending migrations on the owner connection (DATABASE_ADMIN_URL, else DATABASE_URL). */
export async function migrateAsOwner(env: Env, logger?: Logger): Promise<MigrateResult> {
  const admin = await createDatabase({ databaseUrl: env.DATABASE_ADMIN_URL ?? env.DATABASE_URL, poolSize: 1 });
  try {
    return await migrate(admin.db, logger ? { logger } : {});
  } finally {
    await admin.close();
  }
}

/**
 * PGlite: the single session switches to the system role for good. RESET ROLE returns it
 * to the embedded superuser, so there the role model guards against mistakes, not against
 * SQL that changes its own role.
 */
export async function assumeSystemRole(database: Database): Promise<void> {
  if (database.kind !== 'pglite') throw new Error('assumeSystemRole is for PGlite; Postgres pools use sessionRole');
  await sql`select set_config('role', ${systemRole}, false)`.execute(database.db);
}
