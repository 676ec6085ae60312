import { randomUUID } from 'node:crypto';
import { createDatabase, type Database } from '@wfb/core/db/driver.js';
import type { DB } from '@wfb/core/db/schema.js';
import { createLogger } from '@wfb/core/logger.js';
import { type Kysely, sql } from 'kysely';
import { assumeSystemRole } from '../src/db/app-database.js';
import { migrate } from '../src/db/migrate.js';
import { parseEnv } from '../src/env.js';
import { createKongSync, type KongPassOutcome } from '../src/kong/kong-sync.js';
import type { KongMode } from '../src/kong/sync-results.js';
import { type KongStandIn, startKongStandIn } from '../src/kong/testing/stand-in.js';
import { kongSettingsOf } from '../src/settings.js';
import { createTestDatabase } from '../test/databases.js';

/**
 * `pnpm bench:kong`: the Kong controller's pass against the stand-in with 1,000 and 10,000
 * public interfaces (half of them rate-limited, so ~1.5 entities each), in both modes:
 * the initial sync, a no-op pass, one changed interface, and (DB-less) the push size.
 * Requests are counted at the stand-in. Postgres when TEST_DATABASE_URL is set, else PGlite.
 * Seeding inserts the rows directly as the owner, in one statement per table.
 */
const sizes = [1_000, 10_000];

interface Seeded {
  database: Database;
  asOwner: <T>(work: (db: Kysely<DB>) => Promise<T>) => Promise<T>;
  label: string;
  close(): Promise<void>;
}

async function openDatabase(): Promise<Seeded> {
  if (process.env.TEST_DATABASE_URL) {
    const database = await createTestDatabase('postgres');
    return { database, asOwner: database.asOwner, label: 'postgres', close: () => database.close() };
  }
  const database = await createDatabase({ pgliteDataDir: 'memory://' });
  await migrate(database.db);
  await assumeSystemRole(database);
  return {
    database,
    label: 'pglite',
    async asOwner(work) {
      await sql`reset role`.execute(database.db);
      try {
        return await work(database.db);
      } finally {
        await assumeSystemRole(database);
      }
    },
    close: () => database.close(),
  };
}

async function seed(seeded: Seeded, count: number): Promise<string> {
  const owner = randomUUID();
  return seeded.asOwner(async (db) => {
    const project = randomUUID();
    const workflow = randomUUID();
    const read = randomUUID();
    await sql`insert into projects (id, slug, name, temporal_namespace, created_by)
      values (${project}, ${`bench-${count}`}, 'Bench', ${`wfb-bench-${count}`}, ${owner})`.execute(db);
    await sql`insert into workflows (id, project_id, name, display_name, workflow_type, task_queue, workflow_id_mode, fixed_workflow_id)
      values (${workflow}, ${project}, 'settings', 'Settings', 'w', 'q', 'fixed', 'settings')`.execute(db);
    await sql`insert into service_interfaces (id, project_id, workflow_id, name, display_name, type, callable_name)
      values (${read}, ${project}, ${workflow}, 'read', 'Read', 'query', 'get')`.execute(db);
    await sql`insert into public_interfaces (project_id, service_interface_id, method, path, route_hash, rate_limit_per_minute)
      select ${project}, ${read}, 'GET', '/s' || i, 'b' || lpad(${String(count)} || 'x' || i, 20, '0'),
        case when i % 2 = 0 then 60 end
      from generate_series(1, ${count}) i`.execute(db);
    return project;
  });
}

function requestsSince(kong: KongStandIn, start: number) {
  const calls = kong.requests.slice(start);
  const lists = (collection: string) =>
    calls.filter((call) => call.method === 'GET' && call.path === `/${collection}`).length;
  return {
    total: calls.length,
    writes: calls.filter((call) => call.method !== 'GET').length,
    lists: `services ${lists('services')}, routes ${lists('routes')}, plugins ${lists('plugins')}`,
  };
}

async function timed(kong: KongStandIn, pass: () => Promise<KongPassOutcome>) {
  const start = kong.requests.length;
  const started = performance.now();
  const outcome = await pass();
  const seconds = (performance.now() - started) / 1000;
  return { outcome, seconds, requests: requestsSince(kong, start) };
}

function line(label: string, result: Awaited<ReturnType<typeof timed>>): string {
  const { outcome, seconds, requests } = result;
  const push =
    outcome.pushBytes === undefined || outcome.skipped ? '' : `, push ${(outcome.pushBytes / 1024).toFixed(0)} KiB`;
  return (
    `  ${label.padEnd(22)} ${seconds.toFixed(2).padStart(7)} s  ${String(requests.total).padStart(6)} requests ` +
    `(${requests.writes} writes; lists: ${requests.lists})  synced ${outcome.synced}${push}${outcome.skipped ? ', skipped' : ''}`
  );
}

async function run(mode: KongMode, count: number, seeded: Seeded) {
  const kong = await startKongStandIn({ dbless: mode === 'dbless' });
  try {
    const settings = kongSettingsOf(
      parseEnv({ KONG_ADMIN_URL: kong.url, KONG_UPSTREAM_URL: 'http://builder:3000', KONG_MODE: mode }),
    );
    if (!settings) throw new Error('no settings');
    const sync = createKongSync({ settings, database: seeded.database, logger: createLogger({ level: 'silent' }) });
    process.stdout.write(`${mode} mode, ${count} public interfaces:\n`);
    process.stdout.write(`${line('initial sync', await timed(kong, () => sync.pass()))}\n`);
    process.stdout.write(`${line('no-op pass', await timed(kong, () => sync.pass()))}\n`);
    await seeded.asOwner((db) =>
      sql`update public_interfaces set rate_limit_per_minute = 61
        where id = (select id from public_interfaces where rate_limit_per_minute = 60 order by id limit 1)`.execute(db),
    );
    process.stdout.write(`${line('one interface changed', await timed(kong, () => sync.pass()))}\n`);
  } finally {
    await kong.close();
  }
}

async function main() {
  for (const count of sizes) {
    const seeded = await openDatabase();
    try {
      await seed(seeded, count);
      process.stdout.write(`\n== ${count} interfaces on ${seeded.label}\n`);
      await run('db', count, seeded);
      await run('dbless', count, seeded);
    } finally {
      await seeded.close();
    }
  }
}

await main();
