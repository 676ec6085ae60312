import { randomUUID } from 'node:crypto';
import { createLogger } from '@wfb/core/logger.js';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { driverKinds } from '../../test/databases.js';
import { eventually } from '../../test/eventually.js';
import { callerFor, createTestApp, type TestApp, testPepper } from '../../test/test-app.js';
import { generateApiKey, hashApiKey } from '../domain/api-keys/api-key-format.js';
import { createKeyVerifier } from '../domain/api-keys/key-verifier.js';
import { failedKeyVerificationsPerMinute } from './key-auth.js';

/** A syntactically valid route hash nobody allocated. */
const randomHash = () => randomUUID().replaceAll('-', '').slice(0, 16);

// Needs Postgres/PGlite; no Temporal (no call gets past the guard).
describe.each(driverKinds)('API key abuse on /api/v1 on %s (database)', (kind) => {
  let testApp: TestApp;
  const owner = randomUUID();
  let projectId: string;

  beforeAll(async () => {
    testApp = await createTestApp(kind);
    projectId = (await callerFor(testApp, owner).projects.create({ slug: 'abuse', name: 'Abuse' })).id;
  });
  afterAll(async () => {
    await testApp.close();
  });

  const inject = (url: string, key: string | undefined, remoteAddress: string) =>
    testApp.app.server.inject({
      method: 'GET',
      url,
      remoteAddress,
      headers: key === undefined ? {} : { 'x-api-key': key },
    });

  it('keeps unknown keys out of the warm-key cache, so a flood of minted keys evicts nothing', async () => {
    const verifier = createKeyVerifier({
      database: testApp.database,
      pepper: testPepper,
      environment: 'test',
      logger: createLogger({ level: 'silent' }),
      cacheSize: 100,
    });
    await verifier.start();
    try {
      const created = await callerFor(testApp, owner).apiKeys.create({ projectId, name: 'warm-through-flood' });
      // The insert's own NOTIFY may land after the first lookup and evict it once; let it settle.
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect((await verifier.verify(created.plaintext)).kind).toBe('valid');
      for (let index = 0; index < 500; index += 1) {
        expect((await verifier.verify(generateApiKey('test').plaintext)).kind).toBe('unknown');
      }
      expect(verifier.cacheSize()).toBe(1);
      expect(verifier.cachedMisses()).toBe(500);
      const spy = vi.spyOn(testApp.database.db, 'selectFrom');
      expect((await verifier.verify(created.plaintext)).kind).toBe('valid');
      expect(spy).not.toHaveBeenCalled();
      spy.mockRestore();

      // A cached miss never shadows a key inserted later: the insert's NOTIFY evicts it.
      const minted = generateApiKey('test');
      expect((await verifier.verify(minted.plaintext)).kind).toBe('unknown');
      await testApp.database.db
        .insertInto('api_keys')
        .values({
          project_id: projectId,
          name: 'inserted-later',
          key_hash: hashApiKey(testPepper, minted.plaintext),
          hint: minted.hint,
          environment: 'test',
        })
        .execute();
      await eventually(async () => (await verifier.verify(minted.plaintext)).kind === 'valid');
    } finally {
      await verifier.stop();
    }
  });

  it('turns 401 into 429 after too many failures from one address, never refusing a valid key', async () => {
    const key = (await callerFor(testApp, owner).apiKeys.create({ projectId, name: 'shares-an-address' })).plaintext;
    const address = '198.51.100.7';
    // Failures on every /api/v1 route share one budget per address.
    const urls = ['/api/v1/whoami', `/api/v1/${randomHash()}/x`, '/api/v1/openapi/abuse.json'];
    for (let index = 0; index < failedKeyVerificationsPerMinute; index += 1) {
      const url = urls[index % urls.length] ?? '/api/v1/whoami';
      const minted = index % 2 === 0 ? generateApiKey('test').plaintext : undefined;
      expect((await inject(url, minted, address)).statusCode).toBe(401);
    }
    for (const url of urls) {
      const refused = await inject(url, generateApiKey('test').plaintext, address);
      expect(refused.statusCode).toBe(429);
      expect(refused.headers['retry-after']).toBeDefined();
      expect(refused.json()).toMatchObject({ code: 'TOO_MANY_REQUESTS', scope: 'client' });
    }
    expect((await inject('/api/v1/whoami', key, address)).statusCode).toBe(200);
    expect((await inject('/api/v1/openapi/abuse.json', key, address)).statusCode).toBe(200);
    expect((await inject('/api/v1/whoami', 'garbage', '203.0.113.9')).statusCode).toBe(401);
    const metrics = await testApp.app.gateway.metrics.registry.metrics();
    expect(metrics).toContain('wfb_rate_limit_rejections_total{scope="client"} 3');
  });

  it('does not count valid keys against their address', async () => {
    const key = (await callerFor(testApp, owner).apiKeys.create({ projectId, name: 'busy' })).plaintext;
    const address = '198.51.100.8';
    for (let index = 0; index < failedKeyVerificationsPerMinute * 2; index += 1) {
      expect((await inject('/api/v1/whoami', key, address)).statusCode).toBe(200);
    }
    expect((await inject('/api/v1/whoami', 'garbage', address)).statusCode).toBe(401);
  });

  it('charges random route hashes to the key before any database lookup', async () => {
    const created = await callerFor(testApp, owner).apiKeys.create({
      projectId,
      name: 'hash-guesser',
      rateLimitPerMinute: 5,
    });
    const key = created.plaintext;
    // Warm the key so every database call below is a route lookup (after the insert's own
    // NOTIFY, which may land late and evict it once).
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect((await inject('/api/v1/whoami', key, '198.51.100.9')).statusCode).toBe(200);
    const spy = vi.spyOn(testApp.database.db, 'selectFrom');
    const statuses: number[] = [];
    for (let index = 0; index < 20; index += 1) {
      const response = await inject(`/api/v1/${randomHash()}/orders/1`, key, '198.51.100.9');
      statuses.push(response.statusCode);
    }
    const lookups = spy.mock.calls.length;
    spy.mockRestore();
    // The whoami call spent one of the five; four guesses reach the route table, the rest are 429.
    expect(statuses.slice(0, 4)).toEqual([404, 404, 404, 404]);
    expect(statuses.slice(4)).toEqual(Array(16).fill(429));
    expect(lookups).toBeLessThanOrEqual(4);
  });
});
