import { randomUUID } from 'node:crypto';
import { createDatabase, type Database } from '@wfb/core/db/driver.js';
import { createLogger } from '@wfb/core/logger.js';
import { afterEach, describe, expect, it } from 'vitest';
import { createTestDatabase, driverKinds } from '../../../test/databases.js';
import { eventually } from '../../../test/eventually.js';
import { startTcpProxy } from '../../../test/tcp-proxy.js';
import { testPepper } from '../../../test/test-app.js';
import { systemRole } from '../../db/app-database.js';
import { withUserTransaction } from '../../db/tx.js';
import { createProjectService } from '../projects/projects.service.js';
import { createApiKeyService } from './api-keys.service.js';
import { createKeyVerifier } from './key-verifier.js';

const silent = createLogger({ level: 'silent' });

async function createKey(database: Database) {
  const userId = randomUUID();
  const user = { id: userId, email: undefined, claims: { sub: userId } };
  const keys = createApiKeyService({ pepper: testPepper, environment: 'test' });
  const created = await withUserTransaction(database.db, user.claims, async (tx) => {
    const project = await createProjectService().create(tx, user, { slug: `s${userId.slice(0, 8)}`, name: 'Stall' });
    return keys.create(tx, user, { projectId: project.id, name: 'k' });
  });
  const revoke = () => withUserTransaction(database.db, user.claims, (tx) => keys.revoke(tx, user, created.key.id));
  return { plaintext: created.plaintext, revoke };
}

describe.runIf(driverKinds.includes('postgres'))('revocation while the LISTEN connection stalls (postgres)', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  it('stops trusting its cache once the listener misses a heartbeat, and trusts it again after', async () => {
    const database = await createTestDatabase('postgres');
    cleanups.push(() => database.close());
    const url = new URL(database.url ?? '');
    const proxy = await startTcpProxy({ host: url.hostname, port: Number(url.port) });
    cleanups.push(() => proxy.close());
    url.host = `127.0.0.1:${proxy.port}`;
    const behindProxy = await createDatabase({
      databaseUrl: url.toString(),
      poolSize: 2,
      sessionRole: systemRole,
      listenHeartbeatMs: 100,
      listenHeartbeatTimeoutMs: 300,
    });
    cleanups.push(() => behindProxy.close());
    // Created before the verifier listens, so no late insert notification evicts it below.
    const key = await createKey(database);
    const verifier = createKeyVerifier({
      database: behindProxy,
      pepper: testPepper,
      environment: 'test',
      logger: silent,
    });
    await verifier.start();
    cleanups.push(() => verifier.stop());
    expect((await verifier.verify(key.plaintext)).kind).toBe('valid');
    expect(verifier.cacheSize()).toBe(1);

    // The backend serving LISTEN freezes: no error, no close, no notifications.
    proxy.freeze('LISTEN');
    await key.revoke();
    await eventually(async () => (await verifier.verify(key.plaintext)).kind === 'revoked');
    expect(verifier.cacheSize()).toBe(0);

    proxy.thaw();
    const fresh = await createKey(database);
    await eventually(async () => {
      await verifier.verify(fresh.plaintext);
      return verifier.cacheSize() === 1;
    });
  });
});

describe('cached verdict age', () => {
  it('reloads a key whose cached verdict is older than the TTL', async () => {
    const database = await createTestDatabase('pglite');
    let now = Date.now();
    const verifier = createKeyVerifier({
      database,
      pepper: testPepper,
      environment: 'test',
      logger: silent,
      cacheTtlMs: 1_000,
      clock: () => now,
    });
    await verifier.start();
    try {
      const key = await createKey(database);
      expect((await verifier.verify(key.plaintext)).kind).toBe('valid');
      // Revoke behind the verifier's back: no notification reaches it.
      await verifier.stop();
      await key.revoke();
      await verifier.start();
      const cachedBefore = verifier.cacheSize();
      now += 999;
      expect(cachedBefore === 0 || (await verifier.verify(key.plaintext)).kind === 'valid').toBe(true);
      now += 2;
      expect((await verifier.verify(key.plaintext)).kind).toBe('revoked');
    } finally {
      await verifier.stop();
      await database.close();
    }
  });
});
