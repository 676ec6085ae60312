import { randomBytes, randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createDatabase, type Database } from '@wfb/core/db/driver.js';
import { createLogger } from '@wfb/core/logger.js';
import { Agent, request } from 'undici';
import { runRotateKeys } from '../src/cli/rotate-keys.js';
import { createKeyRing, type KeyRing } from '../src/crypto/key-ring.js';
import { migrate } from '../src/db/migrate.js';
import { createAuthorizedFetch } from '../src/domain/connectors/authorized-fetch.js';
import { sealSecrets } from '../src/domain/connectors/connector-secrets.js';
import type { ConnectorForUse } from '../src/domain/connectors/connectors.store.js';
import { createOAuthClient } from '../src/domain/connectors/oauth-client.js';
import { createTokenManager } from '../src/domain/connectors/token-manager.js';
import { loadEnv } from '../src/env.js';
import { createIpPolicy } from '../src/net/ip-policy.js';
import { createSafeDispatcher } from '../src/net/safe-dispatcher.js';
import { safeFetch } from '../src/net/safe-fetch.js';
import { createScratchPostgres, createTestDatabase, driverKinds } from '../test/databases.js';
import { formatRow, measure, ratio } from './bench-utils.js';

/**
 * `pnpm bench:connectors`:
 * 1. per-call cost of an authorized call (decrypt the envelope + inject the credential +
 *    SSRF-checked safeFetch) against a local server, next to a plain fetch to the same
 *    server, as a ratio; also bare undici and safeFetch alone to show where time goes;
 * 2. time to rotate 10,000 connectors (`runRotateKeys`, batches of 500) on PGlite and, when
 *    TEST_DATABASE_URL or DATABASE_URL names a server, on Postgres (in a scratch database).
 */
const rotateCount = 10_000;
const logger = createLogger({ level: 'silent' });
const out = (line = '') => process.stdout.write(`${line}\n`);
const keySpec = (id: string) => `${id}:${randomBytes(32).toString('base64')}`;

async function pglite(): Promise<Database> {
  const database = await createDatabase({ pgliteDataDir: 'memory://' });
  await migrate(database.db);
  return database;
}

async function callOverhead() {
  const server = createServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end('{"ok":true}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const database = await pglite();
  const ring = createKeyRing(keySpec('bench'));
  const dispatcher = createSafeDispatcher({ policy: createIpPolicy({ allowCidrs: '127.0.0.1/32' }) });
  const oauth = createOAuthClient({ dispatcher, allowInsecureHttp: true });
  const tokens = createTokenManager({ database, ring, oauth, logger });
  const authorizedFetch = createAuthorizedFetch({ ring, tokens, dispatcher });
  const ref = { projectId: randomUUID(), connectorId: randomUUID() };
  const sealed = sealSecrets(ring, ref, { apiKey: randomBytes(24).toString('base64url') });
  const now = new Date();
  const connector: ConnectorForUse = {
    id: ref.connectorId,
    project_id: ref.projectId,
    name: 'bench',
    type: 'api_key',
    base_url: origin,
    enabled: true,
    auth_status: 'ready',
    status_message: null,
    timeout_ms: 30_000,
    max_retries: 0,
    retry_backoff_ms: 0,
    test_path: '/',
    last_tested_at: null,
    last_test_status: null,
    last_test_latency_ms: null,
    last_test_error: null,
    last_used_at: null,
    created_by: null,
    created_at: now,
    updated_at: now,
    auth_config: { type: 'api_key', placement: 'header', name: 'X-Api-Key-Upstream' },
    default_headers: { accept: 'application/json' },
    secret_hints: sealed.hints,
    token_expires_at: null,
    token_issued_at: null,
    encrypted_credentials: sealed.record,
    encryption_key_id: sealed.keyId,
    credentials_version: 1,
  };
  const plainAgent = new Agent();
  const options = { durationMs: 3_000, minCount: 3_000 };
  const plainFetch = await measure(async () => (await fetch(`${origin}/ping`)).arrayBuffer(), options);
  const bareUndici = await measure(
    async () => (await request(`${origin}/ping`, { dispatcher: plainAgent })).body.arrayBuffer(),
    options,
  );
  const safeOnly = await measure(
    () => safeFetch(`${origin}/ping`, {}, { dispatcher, retry: { maxRetries: 0 } }),
    options,
  );
  const authorized = await measure(() => authorizedFetch(connector, { path: '/ping' }), options);
  await Promise.all([plainAgent.close(), dispatcher.close(), database.close()]);
  await new Promise<void>((resolve) => server.close(() => resolve()));

  out(`\nauthorized call overhead (local HTTP server, sequential, node ${process.version})`);
  out(formatRow('baseline: plain fetch()', plainFetch));
  out(formatRow('baseline: undici.request, plain Agent', bareUndici));
  out(formatRow('safeFetch (SSRF-checked, no credentials)', safeOnly));
  out(formatRow('authorizedFetch (decrypt + inject + safeFetch)', authorized));
  out('ratios (p50 latency)');
  out(`  authorizedFetch / plain fetch                 ${ratio(authorized.p50Ms, plainFetch.p50Ms)}`);
  out(`  authorizedFetch / undici.request              ${ratio(authorized.p50Ms, bareUndici.p50Ms)}`);
  out(`  authorizedFetch / safeFetch                   ${ratio(authorized.p50Ms, safeOnly.p50Ms)}`);
  out(`  decrypt + inject, p50 difference              ${((authorized.p50Ms - safeOnly.p50Ms) * 1000).toFixed(1)} µs`);
}

async function seed(database: Database, ring: KeyRing) {
  const projectId = randomUUID();
  await database.db
    .insertInto('projects')
    .values({
      id: projectId,
      slug: 'bench-rotate',
      name: 'Bench',
      temporal_namespace: 'bench-rotate',
      created_by: randomUUID(),
    })
    .execute();
  for (let offset = 0; offset < rotateCount; offset += 1000) {
    const ids = Array.from({ length: Math.min(1000, rotateCount - offset) }, () => randomUUID());
    await database.db
      .insertInto('connectors')
      .values(
        ids.map((id, index) => ({
          id,
          project_id: projectId,
          name: `c${offset + index}`,
          type: 'bearer' as const,
          base_url: 'https://api.example.com',
          timeout_ms: 30_000,
          max_retries: 2,
          retry_backoff_ms: 200,
          test_path: '/',
        })),
      )
      .execute();
    await database.db
      .insertInto('connector_credentials')
      .values(
        ids.map((id) => {
          const sealed = sealSecrets(
            ring,
            { projectId, connectorId: id },
            { token: randomBytes(24).toString('base64url') },
          );
          return {
            connector_id: id,
            project_id: projectId,
            auth_config: JSON.stringify({ type: 'bearer' }),
            default_headers: '{}',
            secret_hints: JSON.stringify(sealed.hints),
            encrypted_credentials: JSON.stringify(sealed.record),
            encryption_key_id: sealed.keyId,
          };
        }),
      )
      .execute();
  }
}

async function rotation(label: string, database: Database) {
  const oldSpec = keySpec('old');
  await seed(database, createKeyRing(oldSpec));
  const started = performance.now();
  const result = await runRotateKeys({
    database,
    ring: createKeyRing(`${oldSpec},${keySpec('new')}`),
    logger,
    batchSize: 500,
  });
  const seconds = (performance.now() - started) / 1000;
  if (result.remaining !== 0 || result.rewrapped !== rotateCount)
    throw new Error(`rotation incomplete: ${JSON.stringify(result)}`);
  out(
    `rotate ${rotateCount.toLocaleString('en-US')} connectors on ${label.padEnd(8)} ${seconds.toFixed(2).padStart(7)} s   ${(rotateCount / seconds).toFixed(0).padStart(7)} connectors/s   (batches of 500, ${result.passes} pass)`,
  );
}

async function main() {
  await callOverhead();
  out('\nkey rotation');
  const embedded = await pglite();
  await rotation('pglite', embedded);
  await embedded.close();
  if (driverKinds.includes('postgres')) {
    const database = await createTestDatabase('postgres');
    await rotation('postgres', database);
    await database.close();
  } else {
    const serverUrl = loadEnv().DATABASE_URL;
    if (serverUrl) {
      const database = await createScratchPostgres(serverUrl, 'wfb_bench');
      await rotation('postgres', database);
      await database.close();
    } else {
      out('postgres: skipped (set TEST_DATABASE_URL or DATABASE_URL)');
    }
  }
}

await main();
