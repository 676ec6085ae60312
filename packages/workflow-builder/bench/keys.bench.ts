import { createHmac, randomUUID } from 'node:crypto';
import { createDatabase, type Database } from '@wfb/core/db/driver.js';
import { createLogger } from '@wfb/core/logger.js';
import bcrypt from 'bcryptjs';
import { migrate } from '../src/db/migrate.js';
import { withUserTransaction } from '../src/db/tx.js';
import { generateApiKey } from '../src/domain/api-keys/api-key-format.js';
import { createApiKeyService } from '../src/domain/api-keys/api-keys.service.js';
import { createKeyVerifier } from '../src/domain/api-keys/key-verifier.js';
import { createProjectService } from '../src/domain/projects/projects.service.js';
import { createTestDatabase, type TestDatabase } from '../test/databases.js';
import { formatRow, measure, ratio } from './bench-utils.js';

/**
 * `pnpm bench:keys`: API-key verification cost. Baselines in the same run: bcrypt
 * (cost 10), what a naive design pays per request, and a bare HMAC-SHA-256, the floor.
 * Cold lookups hit Postgres when TEST_DATABASE_URL is set (scripts/start-postgres.sh
 * prints one), PGlite otherwise.
 */
const pepper = 'bench-pepper-0123456789abcdefghijklmnopqrstuvwxyz';
const environment = 'bench';
const keyCount = 2_000;

async function openDatabase(): Promise<{ database: Database | TestDatabase; label: string }> {
  if (process.env.TEST_DATABASE_URL) return { database: await createTestDatabase('postgres'), label: 'postgres' };
  const database = await createDatabase({ pgliteDataDir: 'memory://' });
  await migrate(database.db);
  return { database, label: 'pglite' };
}

async function main() {
  const { database, label } = await openDatabase();
  const logger = createLogger({ level: 'silent' });
  const userId = randomUUID();
  const user = { id: userId, email: undefined, claims: { sub: userId } };
  const keys = createApiKeyService({ pepper, environment });
  const plaintexts = await withUserTransaction(database.db, user.claims, async (tx) => {
    const project = await createProjectService().create(tx, user, { slug: 'bench', name: 'Bench' });
    const created: string[] = [];
    for (let index = 0; index < keyCount; index++) {
      created.push((await keys.create(tx, user, { projectId: project.id, name: `key-${index}` })).plaintext);
    }
    return created;
  });
  const verifier = createKeyVerifier({ database, pepper, environment, logger });
  await verifier.start();

  const half = keyCount / 2;
  const cold = await measure(
    async (iteration) => {
      const result = await verifier.verify(plaintexts[iteration] ?? '');
      if (result.kind !== 'valid') throw new Error(`unexpected ${result.kind}`);
    },
    { durationMs: 0, minCount: half, maxCount: half },
  );
  const warm = await measure(
    async (iteration) => {
      const result = await verifier.verify(plaintexts[iteration % half] ?? '');
      if (result.kind !== 'valid') throw new Error(`unexpected ${result.kind}`);
    },
    { durationMs: 2_000, minCount: 10_000 },
  );
  const unknownKeys = Array.from({ length: 1000 }, () => generateApiKey('other').plaintext);
  const malformed = await measure(
    async (iteration) => {
      const candidate = iteration % 2 === 0 ? `${plaintexts[0]?.slice(0, -1)}!` : (unknownKeys[iteration % 1000] ?? '');
      const result = await verifier.verify(candidate);
      if (result.kind !== 'malformed') throw new Error(`unexpected ${result.kind}`);
    },
    { durationMs: 1_000, minCount: 10_000 },
  );
  const hmac = await measure(
    (iteration) =>
      createHmac('sha256', pepper)
        .update(plaintexts[iteration % half] ?? '')
        .digest('hex'),
    { durationMs: 1_000, minCount: 10_000 },
  );
  const bcryptHash = bcrypt.hashSync(plaintexts[0] ?? '', 10);
  const bcryptCompare = await measure(() => bcrypt.compare(plaintexts[0] ?? '', bcryptHash), {
    durationMs: 2_000,
    minCount: 10,
  });

  await verifier.stop();
  await database.close();

  process.stdout.write(
    `\napi key verification (${keyCount} keys, cold lookups on ${label}, node ${process.version})\n`,
  );
  process.stdout.write(`${formatRow('warm verify (cache hit)', warm)}\n`);
  process.stdout.write(`${formatRow(`cold verify (${label} lookup)`, cold)}\n`);
  process.stdout.write(`${formatRow('malformed / wrong-env rejection (no lookup)', malformed)}\n`);
  process.stdout.write(`${formatRow('baseline: bare HMAC-SHA-256 (floor)', hmac)}\n`);
  process.stdout.write(`${formatRow('baseline: bcryptjs compare, cost 10', bcryptCompare)}\n`);
  process.stdout.write('\nratios\n');
  process.stdout.write(
    `  warm verify throughput vs bcrypt compare      ${ratio(warm.opsPerSecond, bcryptCompare.opsPerSecond)}\n`,
  );
  process.stdout.write(
    `  warm verify throughput vs bare HMAC (floor)   ${ratio(warm.opsPerSecond, hmac.opsPerSecond)}\n`,
  );
  process.stdout.write(`  bcrypt compare p50 / cold verify p50          ${ratio(bcryptCompare.p50Ms, cold.p50Ms)}\n`);
  process.stdout.write(
    `  malformed rejection vs warm verify throughput ${ratio(malformed.opsPerSecond, warm.opsPerSecond)}\n`,
  );
}

await main();
