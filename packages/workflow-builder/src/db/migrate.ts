import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DB } from '@wfb/core/db/schema.js';
import type { Logger } from '@wfb/core/logger.js';
import { type Kysely, sql } from 'kysely';
import { advisoryLockKeys, withAdvisoryLock } from './advisory-lock.js';

export const defaultMigrationsDir = fileURLToPath(new URL('../../../../supabase/migrations', import.meta.url));

export interface MigrationFile {
  version: string;
  name: string;
  sql: string;
}

export class MigrationError extends Error {
  override name = 'MigrationError';
}

/** Supabase CLI naming: `<version>_<name>.sql`, version = digits. */
export function readMigrations(directory: string = defaultMigrationsDir): MigrationFile[] {
  return readdirSync(directory)
    .filter((file) => file.endsWith('.sql'))
    .sort()
    .map((file) => {
      const match = /^(\d+)_(.+)\.sql$/.exec(file);
      if (!match?.[1] || !match[2])
        throw new MigrationError(`migration file ${file} does not match <version>_<name>.sql`);
      return { version: match[1], name: match[2], sql: readFileSync(join(directory, file), 'utf8') };
    });
}

/**
 * The Supabase CLI stores a migration as its split statements, we store the whole file;
 * comparing with whitespace and semicolons removed makes both forms agree.
 */
function fingerprint(text: string): string {
  return createHash('sha256')
    .update(text.replace(/--[^\n]*/g, '').replace(/[\s;]+/g, ''))
    .digest('hex');
}

export interface MigrateResult {
  applied: string[];
  skipped: number;
}

/**
 * Applies pending migrations in version order, each in its own transaction, recording
 * them in `supabase_migrations.schema_migrations` like the Supabase CLI. Refuses to run
 * when an applied file has changed since, or when the database knows a version that
 * no file provides.
 */
export async function migrate(
  db: Kysely<DB>,
  options: { directory?: string; logger?: Logger } = {},
): Promise<MigrateResult> {
  const files = readMigrations(options.directory);
  // One session holds an advisory lock for the whole run, so instances starting together
  // on an empty database apply each file once instead of racing and crashing.
  return db
    .connection()
    .execute((session) =>
      withAdvisoryLock(session, advisoryLockKeys.migrations, () => applyPending(session, files, options.logger)),
    );
}

async function applyPending(
  db: Kysely<DB>,
  files: MigrationFile[],
  logger: Logger | undefined,
): Promise<MigrateResult> {
  await sql`create schema if not exists supabase_migrations`.execute(db);
  await sql`create table if not exists supabase_migrations.schema_migrations (
    version text not null primary key, statements text[], name text)`.execute(db);
  const appliedRows = await sql<{ version: string; statements: string[] | null }>`
    select version, statements from supabase_migrations.schema_migrations order by version`.execute(db);
  const applied = new Map(appliedRows.rows.map((row) => [row.version, (row.statements ?? []).join('\n')]));
  const known = new Set(files.map((file) => file.version));
  for (const version of applied.keys()) {
    if (!known.has(version)) {
      throw new MigrationError(`database has migration ${version} that no file in supabase/migrations provides`);
    }
  }
  const result: MigrateResult = { applied: [], skipped: 0 };
  for (const file of files) {
    const previous = applied.get(file.version);
    if (previous !== undefined) {
      if (fingerprint(previous) !== fingerprint(file.sql)) {
        throw new MigrationError(
          `migration ${file.version}_${file.name}.sql changed after it was applied; add a new migration instead`,
        );
      }
      result.skipped += 1;
      continue;
    }
    await db.transaction().execute(async (trx) => {
      await sql.raw(file.sql).execute(trx);
      await sql`insert into supabase_migrations.schema_migrations (version, statements, name)
        values (${file.version}, ${[file.sql]}, ${file.name})`.execute(trx);
    });
    logger?.info({ version: file.version, name: file.name }, 'applied migration');
    result.applied.push(file.version);
  }
  return result;
}
