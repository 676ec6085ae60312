import { randomUUID } from 'node:crypto';
import { createLogger } from '@wfb/core/logger.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { driverKinds } from '../../test/databases.js';
import { callerFor, createTestApp, type TestApp } from '../../test/test-app.js';
import { createApp } from '../app.js';
import { parseEncryptedRecord, rewrapRecord } from '../crypto/envelope.js';
import { createKeyRing, type KeyRing } from '../crypto/key-ring.js';
import { withUserTransaction } from '../db/tx.js';
import { openSecrets } from '../domain/connectors/connector-secrets.js';
import { createConnectorService } from '../domain/connectors/connectors.service.js';
import { assertStoredKeysInRing, MissingEncryptionKeyError } from '../domain/connectors/encryption-keys.js';
import { selectCredentialsNotOnKey, writeRewrappedCredentials } from '../domain/connectors/key-rotation.store.js';
import { connectorEnv, newKey, oldKey } from '../domain/connectors/testing/fixtures.js';
import { parseEnv } from '../env.js';
import { runRotateKeys } from './rotate-keys.js';

const connectorCount = 60;
const ringOld = createKeyRing(oldKey);
const ringBoth = createKeyRing(`${oldKey},${newKey}`);
/** An instance that already knows the new key but still writes with the old one (mid-rollout). */
const ringStale = createKeyRing(`${oldKey},${newKey}`, 'old');
const logger = createLogger({ level: 'silent' });

describe.each(driverKinds)('rotate-keys on %s (database)', (kind) => {
  let testApp: TestApp;
  const owner = randomUUID();
  let projectId: string;
  const ids: string[] = [];
  const expected = new Map<string, string>();

  async function updateKey(ring: KeyRing, connectorId: string, apiKey: string) {
    const service = createConnectorService({ ring, allowInsecureHttp: true });
    await withUserTransaction(testApp.database.db, { sub: owner }, (tx) =>
      service.update(
        tx,
        { id: owner, email: undefined, claims: { sub: owner } },
        {
          id: connectorId,
          auth: { type: 'bearer', token: apiKey },
        },
      ),
    );
    expected.set(connectorId, apiKey);
  }

  async function keyIds() {
    const rows = await testApp.database.db
      .selectFrom('connector_credentials')
      .select(['connector_id', 'encryption_key_id'])
      .execute();
    return new Map(rows.map((row) => [row.connector_id, row.encryption_key_id]));
  }

  beforeAll(async () => {
    testApp = await createTestApp(kind, connectorEnv());
    const caller = callerFor(testApp, owner);
    projectId = (await caller.projects.create({ slug: `rotate-${kind}`, name: 'Rotate' })).id;
    for (let index = 0; index < connectorCount; index += 1) {
      const token = `token-${index}-${randomUUID()}`;
      const created = await caller.connectors.create({
        projectId,
        name: `c${index}`,
        baseUrl: 'http://127.0.0.1:9',
        auth: { type: 'bearer', token },
      });
      ids.push(created.id);
      expected.set(created.id, token);
    }
    const code = await caller.connectors.create({
      projectId,
      name: 'code',
      baseUrl: 'http://127.0.0.1:9',
      auth: {
        type: 'oauth2_authorization_code',
        authorizationUrl: 'http://127.0.0.1:9/auth',
        tokenUrl: 'http://127.0.0.1:9/token',
        clientId: 'c',
        clientSecret: 's',
      },
    });
    await caller.connectors.oauth.start({ id: code.id });
  });
  afterAll(async () => {
    await testApp.close();
  });

  it('refuses to start when stored ciphertext names a key missing from the ring', async () => {
    await expect(assertStoredKeysInRing(testApp.database.db, createKeyRing(newKey))).rejects.toThrow(
      MissingEncryptionKeyError,
    );
    await expect(assertStoredKeysInRing(testApp.database.db, createKeyRing(newKey))).rejects.toThrow(
      /"old" \(61 connectors, 1 pending OAuth states\)/,
    );
    const env = parseEnv({
      ...connectorEnv({ ENCRYPTION_KEYS: newKey }),
      NODE_ENV: 'test',
      SUPABASE_JWT_SECRET: 'x'.repeat(40),
      API_KEY_PEPPER: 'y'.repeat(40),
    });
    await expect(createApp(env, logger, { database: testApp.database })).rejects.toThrow(/ENCRYPTION_KEYS.*"old"/);
  });

  it('skips a row that changed between read and write instead of overwriting it', async () => {
    const [row] = await selectCredentialsNotOnKey(testApp.database.db, 'new', null, 1);
    if (!row) throw new Error('no row');
    const record = rewrapRecord(
      ringBoth,
      { projectId, connectorId: row.connector_id },
      parseEncryptedRecord(row.encrypted_credentials),
    );
    await updateKey(ringOld, row.connector_id, `changed-${randomUUID()}`);
    const written = await writeRewrappedCredentials(testApp.database.db, [
      { connectorId: row.connector_id, expectedVersion: row.credentials_version, record, keyId: record.kekId },
    ]);
    expect(written).toEqual([]);
  });

  it('resumes after an interrupted run', async () => {
    const interrupted = runRotateKeys({
      database: testApp.database,
      ring: ringBoth,
      logger,
      batchSize: 10,
      progress: {
        start() {},
        update() {
          throw new Error('operator pressed ctrl-c');
        },
        stop() {},
      },
    });
    await expect(interrupted).rejects.toThrow('ctrl-c');
    const onNew = [...(await keyIds()).values()].filter((id) => id === 'new').length;
    expect(onNew).toBe(10);
  });

  it('re-wraps everything online while connectors are being updated, losing no update', async () => {
    const updates: Promise<void>[] = [];
    let kicked = false;
    let progressCalls = 0;
    const result = await runRotateKeys({
      database: testApp.database,
      ring: ringBoth,
      logger,
      batchSize: 7,
      progress: {
        start() {},
        async update() {
          progressCalls += 1;
          if (kicked) return;
          kicked = true;
          // Instances already on the new ring write while the sweep runs, to rows both
          // behind and ahead of it; an instance still on the old ring writes too.
          for (const [index, id] of ids.entries()) {
            if (index % 3 === 0) updates.push(updateKey(ringBoth, id, `fresh-${index}-${randomUUID()}`));
          }
          // The stale writer hits rows the sweep has already moved (and no fresh writer
          // touches), so the old key reappears behind the sweep: only a further pass heals it.
          const freshTargets = new Set(ids.filter((_, index) => index % 3 === 0));
          const swept = [...(await keyIds()).entries()]
            .filter(([id, keyId]) => keyId === 'new' && !freshTargets.has(id))
            .map(([id]) => id);
          expect(swept.length).toBeGreaterThan(0);
          for (const id of swept.slice(0, 5)) await updateKey(ringStale, id, `stale-${randomUUID()}`);
        },
        stop() {},
      },
    });
    await Promise.all(updates);
    expect(progressCalls).toBeGreaterThan(3);
    expect(result.remaining).toBe(0);
    expect(result.failed).toEqual([]);
    expect(result.oauthStatesRewrapped).toBe(1);
    expect(result.passes).toBeGreaterThanOrEqual(2);
    const keys = await keyIds();
    expect([...keys.values()].every((id) => id === 'new')).toBe(true);
    const rows = await testApp.database.db
      .selectFrom('connector_credentials')
      .select(['connector_id', 'encrypted_credentials'])
      .execute();
    for (const row of rows) {
      const secrets = openSecrets(ringBoth, { projectId, connectorId: row.connector_id }, row.encrypted_credentials);
      const want = expected.get(row.connector_id);
      if (want !== undefined) expect(secrets.token).toBe(want);
    }
    // The old key can now go: a ring with only the new key reads everything.
    await assertStoredKeysInRing(testApp.database.db, createKeyRing(newKey));
    const again = await runRotateKeys({
      database: testApp.database,
      ring: createKeyRing(newKey),
      logger,
      progress: true,
    });
    expect(again).toMatchObject({ rewrapped: 0, remaining: 0 });
  });
});
