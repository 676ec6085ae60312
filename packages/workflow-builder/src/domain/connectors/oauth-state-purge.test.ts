import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { createLogger } from '@wfb/core/logger.js';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { driverKinds } from '../../../test/databases.js';
import { callerFor, createTestApp, type TestApp } from '../../../test/test-app.js';
import { createKeyRing } from '../../crypto/key-ring.js';
import { parseEnv } from '../../env.js';
import { connectorSettingsOf } from '../../settings.js';
import { createConnectorModule } from './connectors.module.js';
import { createOAuthStatePurge } from './oauth-state-purge.js';
import { connectorEnv, oldKey } from './testing/fixtures.js';

/**
 * Abandoned authorization attempts go on a timer, not only when a callback for the same
 * connector happens to arrive. The provider is never contacted: starting a flow only
 * stores a state and builds a URL.
 */
const minute = 60_000;

async function until(condition: () => Promise<boolean>, what: string) {
  for (const started = Date.now(); !(await condition()); await sleep(10)) {
    if (Date.now() - started > 5000) throw new Error(`timed out waiting for ${what}`);
  }
}

describe.each(driverKinds)('purging stale OAuth states on %s (database)', (kind) => {
  let testApp: TestApp;
  const owner = randomUUID();
  let projectId: string;
  const env = connectorEnv();

  beforeAll(async () => {
    testApp = await createTestApp(kind, env);
    projectId = (await callerFor(testApp, owner).projects.create({ slug: `purge-${kind}`, name: 'Purge' })).id;
  });
  afterAll(async () => {
    await testApp.close();
  });

  async function connectorWithStates(name: string, count: number) {
    const caller = callerFor(testApp, owner);
    const connector = await caller.connectors.create({
      projectId,
      name,
      baseUrl: 'http://127.0.0.1:9/api',
      auth: {
        type: 'oauth2_authorization_code',
        authorizationUrl: 'http://127.0.0.1:9/auth',
        tokenUrl: 'http://127.0.0.1:9/token',
        clientId: 'client',
        clientSecret: 'client-secret-for-purge-tests',
      },
    });
    for (let index = 0; index < count; index += 1) await caller.connectors.oauth.start({ id: connector.id });
    return connector.id;
  }

  async function stateCount(connectorId: string) {
    const row = await sql<{ count: number }>`select count(*)::int as count from oauth_states
      where connector_id = ${connectorId}`.execute(testApp.database.db);
    return row.rows[0]?.count ?? 0;
  }

  it('sweeps on a timer started and stopped with the connector runtime, keeping attempts still in play', async () => {
    const abandoned = await connectorWithStates('abandoned', 2);
    const live = await connectorWithStates('live', 1);
    await sql`update oauth_states set expires_at = now() + interval '1 hour' where connector_id = ${live}`.execute(
      testApp.database.db,
    );
    // 25 minutes on: the abandoned attempts expired 15 minutes ago, past the extra TTL.
    let offsetMs = 25 * minute;
    const module = createConnectorModule({
      settings: connectorSettingsOf(parseEnv({ NODE_ENV: 'test', ...env })),
      logger: createLogger({ level: 'silent' }),
      database: testApp.app.database,
      keyRing: createKeyRing(oldKey),
      clock: () => new Date(Date.now() + offsetMs),
      oauthStatePurgeIntervalMs: 20,
    });
    module.connectorRuntime.start();
    try {
      await until(async () => (await stateCount(abandoned)) === 0, 'the abandoned states to be purged');
      expect(await stateCount(live)).toBe(1);
    } finally {
      await module.connectorRuntime.close();
    }
    offsetMs = 2 * 60 * minute;
    await sleep(100);
    expect(await stateCount(live)).toBe(1);
  });

  it('deletes a bounded batch per sweep', async () => {
    const options = {
      database: testApp.app.database,
      logger: createLogger({ level: 'silent' }),
      clock: () => new Date(Date.now() + 25 * minute),
    };
    await createOAuthStatePurge(options).purgeOnce();
    const connectorId = await connectorWithStates('backlog', 3);
    const purge = createOAuthStatePurge({ ...options, batchSize: 2 });
    expect(await purge.purgeOnce()).toBe(2);
    expect(await stateCount(connectorId)).toBe(1);
    expect(await purge.purgeOnce()).toBe(1);
    expect(await stateCount(connectorId)).toBe(0);
  });
});
