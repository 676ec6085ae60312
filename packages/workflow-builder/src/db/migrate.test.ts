import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDatabase } from '@wfb/core/db/driver.js';
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { createTestDatabase, driverKinds, type TestDatabase } from '../../test/databases.js';
import { defaultMigrationsDir, migrate, readMigrations } from './migrate.js';

describe.each(driverKinds)('migrations on %s (database)', (kind) => {
  let database: TestDatabase | undefined;
  afterEach(async () => {
    await database?.close();
    database = undefined;
  });

  it('records every file in supabase_migrations.schema_migrations and is idempotent', async () => {
    database = await createTestDatabase(kind);
    const owner = database;
    const rows = await owner.asOwner((db) =>
      sql<{ version: string; name: string }>`
        select version, name from supabase_migrations.schema_migrations order by version`.execute(db),
    );
    expect(rows.rows.map((row) => row.version)).toEqual(readMigrations().map((file) => file.version));
    const again = await owner.asOwner((db) => migrate(db));
    expect(again.applied).toEqual([]);
    expect(again.skipped).toBe(rows.rows.length);
  });

  it('enables RLS on every table in public', async () => {
    database = await createTestDatabase(kind);
    const tables = await sql<{ relname: string; relrowsecurity: boolean }>`
      select c.relname, c.relrowsecurity from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where n.nspname = 'public' and c.relkind = 'r'`.execute(database.db);
    expect(tables.rows.length).toBeGreaterThan(3);
    expect(tables.rows.filter((table) => !table.relrowsecurity).map((table) => table.relname)).toEqual([]);
  });

  it('refuses to run when an applied migration file changed', async () => {
    database = await createTestDatabase(kind);
    const directory = mkdtempSync(join(tmpdir(), 'wfb-migrations-'));
    for (const file of readMigrations()) {
      const source = readFileSync(join(defaultMigrationsDir, `${file.version}_${file.name}.sql`), 'utf8');
      writeFileSync(join(directory, `${file.version}_${file.name}.sql`), source);
    }
    const [first] = readMigrations();
    if (!first) throw new Error('no migrations');
    // Whitespace and comments are not changes.
    writeFileSync(join(directory, `${first.version}_${first.name}.sql`), `-- note\n${first.sql}\n\n`);
    const owner = database;
    await expect(owner.asOwner((db) => migrate(db, { directory }))).resolves.toMatchObject({ applied: [] });
    writeFileSync(join(directory, `${first.version}_${first.name}.sql`), `${first.sql}\nselect 1;`);
    await expect(owner.asOwner((db) => migrate(db, { directory }))).rejects.toThrow(/changed after it was applied/);
  });

  it('refuses to run when the database knows a version no file provides', async () => {
    const owner = await createTestDatabase(kind);
    database = owner;
    await owner.asOwner(async (db) => {
      await sql`insert into supabase_migrations.schema_migrations (version, name) values ('99990101000000', 'ghost')`.execute(
        db,
      );
      await expect(migrate(db)).rejects.toThrow(/99990101000000/);
    });
  });
});

describe.runIf(driverKinds.includes('postgres'))('concurrent migration runs (postgres)', () => {
  it('two instances migrating one empty database at once both succeed and apply each file once', async () => {
    const database = await createTestDatabase('postgres');
    try {
      await database.asOwner((db) =>
        sql`drop schema public cascade; create schema public; drop schema supabase_migrations cascade;
          drop schema wfb cascade`.execute(db),
      );
      // Two owner connections, as two instances starting with DATABASE_ADMIN_URL would open.
      const first = await createDatabase({ databaseUrl: database.adminUrl, poolSize: 2 });
      const second = await createDatabase({ databaseUrl: database.adminUrl, poolSize: 2 });
      try {
        const [one, other] = await Promise.all([migrate(first.db), migrate(second.db)]);
        expect(one.applied.length + other.applied.length).toBe(readMigrations().length);
        expect(one.skipped + other.skipped).toBe(readMigrations().length);
      } finally {
        await first.close();
        await second.close();
      }
    } finally {
      await database.close();
    }
  });
});
