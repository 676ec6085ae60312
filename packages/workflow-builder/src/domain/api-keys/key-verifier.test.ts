import { randomUUID } from 'node:crypto';
import { createDatabase } from '@wfb/core/db/driver.js';
import { createLogger } from '@wfb/core/logger.js';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createTestDatabase, driverKinds, type TestDatabase } from '../../../test/databases.js';
import { eventually } from '../../../test/eventually.js';
import { callerFor, createTestApp, type TestApp, testPepper } from '../../../test/test-app.js';
import { systemRole } from '../../db/app-database.js';
import { withUserTransaction } from '../../db/tx.js';
import { keyInScope } from '../../gateway/key-auth.js';
import { createProjectService } from '../projects/projects.service.js';
import { generateApiKey } from './api-key-format.js';
import { createApiKeyService } from './api-keys.service.js';
import { createKeyVerifier, type KeyVerifier } from './key-verifier.js';

const silent = createLogger({ level: 'silent' });

describe.each(driverKinds)('key verification on %s (database)', (kind) => {
  let testApp: TestApp;
  let verifier: KeyVerifier;
  const owner = randomUUID();
  let projectId: string;

  beforeAll(async () => {
    testApp = await createTestApp(kind);
    verifier = testApp.app.keyVerifier;
    projectId = (await callerFor(testApp, owner).projects.create({ slug: 'verify', name: 'Verify' })).id;
  });
  afterAll(async () => {
    await testApp.close();
  });

  it('classifies valid, malformed, unknown, revoked, expired and out-of-scope keys', async () => {
    const caller = callerFor(testApp, owner);
    // A scope must be a real public interface of the project (composite foreign key).
    const service = await caller.workflows.create({
      projectId,
      name: 'scope-target',
      workflowType: 'orderWorkflow',
      taskQueue: 'unused',
      workflowIdSource: { mode: 'fixed', workflowId: 'singleton' },
    });
    const status = await caller.serviceInterfaces.create({
      serviceId: service.id,
      name: 'status',
      type: 'query',
      callableName: 'getStatus',
    });
    const scope = (
      await caller.publicInterfaces.create({ serviceInterfaceId: status.id, method: 'GET', path: '/status' })
    ).id;
    const valid = await caller.apiKeys.create({ projectId, name: 'valid' });
    const scoped = await caller.apiKeys.create({ projectId, name: 'scoped', publicInterfaceId: scope });
    const revoked = await caller.apiKeys.create({ projectId, name: 'revoked' });
    await caller.apiKeys.revoke({ id: revoked.key.id });

    const verdict = await verifier.verify(valid.plaintext);
    expect(verdict).toMatchObject({ kind: 'valid', key: { id: valid.key.id, projectId, projectSlug: 'verify' } });
    expect((await verifier.verify('wfb_test_short')).kind).toBe('malformed');
    const checksumBroken = `${valid.plaintext.slice(0, -1)}${valid.plaintext.endsWith('0') ? '1' : '0'}`;
    expect((await verifier.verify(checksumBroken)).kind).toBe('malformed');
    expect((await verifier.verify(generateApiKey('live').plaintext)).kind).toBe('malformed');
    expect((await verifier.verify(generateApiKey('test').plaintext)).kind).toBe('unknown');
    expect((await verifier.verify(revoked.plaintext)).kind).toBe('revoked');
    // Scope is decided once, by keyInScope, for a key that verified.
    const scopedKey = await verifier.verify(scoped.plaintext);
    if (scopedKey.kind !== 'valid') throw new Error('scoped key did not verify');
    expect(keyInScope(scopedKey.key, scope)).toBe(true);
    expect(keyInScope(scopedKey.key, randomUUID())).toBe(false);
    // An unscoped key may call any interface of its project.
    if (verdict.kind !== 'valid') throw new Error('valid key did not verify');
    expect(keyInScope(verdict.key, randomUUID())).toBe(true);
  });

  it('never touches the database for malformed keys', async () => {
    const spy = vi.spyOn(testApp.database.db, 'selectFrom');
    for (const junk of [
      '',
      'x',
      'Bearer abc',
      'wfb_test_'.padEnd(58, 'A'),
      `wfb_test_${'é'.repeat(49)}`,
      'a'.repeat(10_000),
    ]) {
      expect((await verifier.verify(junk)).kind).toBe('malformed');
    }
    expect(spy).not.toHaveBeenCalled();
    spy.mockRestore();
  });

  it('serves warm keys from cache and evicts them the moment they are revoked', async () => {
    const caller = callerFor(testApp, owner);
    const created = await caller.apiKeys.create({ projectId, name: 'warm' });
    // The insert's own NOTIFY may land after the first lookup and evict it once; let it settle.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect((await verifier.verify(created.plaintext)).kind).toBe('valid');
    const spy = vi.spyOn(testApp.database.db, 'selectFrom');
    for (let i = 0; i < 20; i++) expect((await verifier.verify(created.plaintext)).kind).toBe('valid');
    expect(spy).not.toHaveBeenCalled();
    spy.mockRestore();
    await caller.apiKeys.revoke({ id: created.key.id });
    await eventually(async () => (await verifier.verify(created.plaintext)).kind === 'revoked');
  });

  it('treats a key past its expiry as expired without waiting for any notification', async () => {
    let now = Date.now();
    const clocked = createKeyVerifier({
      database: testApp.database,
      pepper: testPepper,
      environment: 'test',
      logger: silent,
      clock: () => now,
    });
    await clocked.start();
    try {
      const created = await callerFor(testApp, owner).apiKeys.create({
        projectId,
        name: 'short-lived',
        expiresAt: new Date(now + 60_000),
      });
      expect((await clocked.verify(created.plaintext)).kind).toBe('valid');
      now += 61_000;
      expect((await clocked.verify(created.plaintext)).kind).toBe('expired');
    } finally {
      await clocked.stop();
    }
  });

  it('writes last_used_at in batches, not per request', async () => {
    const created = await callerFor(testApp, owner).apiKeys.create({ projectId, name: 'usage' });
    for (let i = 0; i < 5; i++) await verifier.verify(created.plaintext);
    const before = await testApp.database.db
      .selectFrom('api_keys')
      .select('last_used_at')
      .where('id', '=', created.key.id)
      .executeTakeFirstOrThrow();
    expect(before.last_used_at).toBeNull();
    await verifier.flushUsage();
    const after = await testApp.database.db
      .selectFrom('api_keys')
      .select('last_used_at')
      .where('id', '=', created.key.id)
      .executeTakeFirstOrThrow();
    expect(after.last_used_at).toBeInstanceOf(Date);
  });
});

describe.runIf(driverKinds.includes('postgres'))('revocation across instances (postgres)', () => {
  let database: TestDatabase;
  afterAll(async () => {
    await database?.close();
  });

  it('a key revoked through one instance stops working on another at once', async () => {
    database = await createTestDatabase('postgres');
    const second = await createDatabase({ databaseUrl: database.url, poolSize: 2, sessionRole: systemRole });
    const instances = [database, second].map((db) =>
      createKeyVerifier({ database: db, pepper: testPepper, environment: 'test', logger: silent }),
    );
    try {
      for (const instance of instances) await instance.start();
      const userId = randomUUID();
      const user = { id: userId, email: undefined, claims: { sub: userId } };
      const keys = createApiKeyService({ pepper: testPepper, environment: 'test' });
      const created = await withUserTransaction(database.db, user.claims, async (tx) => {
        const project = await createProjectService().create(tx, user, { slug: 'cross', name: 'Cross' });
        return keys.create(tx, user, { projectId: project.id, name: 'shared' });
      });
      for (const instance of instances) expect((await instance.verify(created.plaintext)).kind).toBe('valid');
      await withUserTransaction(database.db, user.claims, (tx) => keys.revoke(tx, user, created.key.id));
      for (const instance of instances) {
        await eventually(async () => (await instance.verify(created.plaintext)).kind === 'revoked');
      }
    } finally {
      for (const instance of instances) await instance.stop();
      await second.close();
    }
  });
});
