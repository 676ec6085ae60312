import { createDatabase, type Database } from '@wfb/core/db/driver.js';
import { createLogger } from '@wfb/core/logger.js';
import { afterEach, describe, expect, it } from 'vitest';
import { driverKinds } from '../../test/databases.js';
import { eventually } from '../../test/eventually.js';
import { systemRole } from '../db/app-database.js';
import { parseEnv } from '../env.js';
import { kongSettingsOf } from '../settings.js';
import { createKongController, type KongController } from './kong-controller.js';
import { type ControllerHarness, startControllerHarness } from './testing/controller-harness.js';

/**
 * Two instances on one Postgres database run the controller against one Kong: only the
 * advisory-lock leader writes; a standby asked to sync hands the request to the leader, and
 * takes over when the leader stops. Each instance sends its own admin token, so the
 * stand-in's request log tells who wrote.
 */
const writeMethods = new Set(['PUT', 'POST', 'DELETE', 'PATCH']);

describe.skipIf(!driverKinds.includes('postgres'))('Kong controller leadership on postgres (database)', () => {
  let h: ControllerHarness | undefined;
  let second: { controller: KongController; database: Database } | undefined;
  afterEach(async () => {
    await second?.controller.stop();
    await second?.database.close();
    await h?.close();
    second = undefined;
    h = undefined;
  });

  it('lets exactly one of two instances write, and the other take over when it stops', async () => {
    const harness = await startControllerHarness('postgres', 'db');
    h = harness;
    await eventually(async () => harness.controller.health().leading);
    const database = await createDatabase({
      databaseUrl: harness.testApp.database.url,
      poolSize: 2,
      sessionRole: systemRole,
    });
    const settings = kongSettingsOf(
      parseEnv({
        KONG_ADMIN_URL: harness.kong.url,
        KONG_UPSTREAM_URL: 'http://builder:3000',
        KONG_ADMIN_TOKEN: 'second',
      }),
    );
    if (!settings) throw new Error('no Kong settings');
    const controller = createKongController({
      settings,
      database,
      logger: createLogger({ level: 'silent' }),
      transport: { retries: 0 },
      reconciler: { debounceMs: 5, backoffInitialMs: 10, backoffMaxMs: 50, leaderIntervalMs: 50 },
    });
    second = { controller, database };
    await controller.start();

    const first = await harness.publish({ rateLimitPerMinute: 3 });
    await eventually(async () => (await harness.statusOf(first)) === 'synced');
    expect(await controller.syncNow()).toBeUndefined();
    const another = await harness.publish();
    await eventually(async () => (await harness.statusOf(another)) === 'synced');
    const writers = () =>
      new Set(
        harness.kong.requests
          .filter((request) => writeMethods.has(request.method))
          .map((request) => request.headers['kong-admin-token'] ?? 'first'),
      );
    expect(writers()).toEqual(new Set(['first']));
    expect([harness.controller.health().leading, controller.health().leading]).toEqual([true, false]);

    await harness.controller.stop();
    await eventually(async () => controller.health().leading, { timeoutMs: 10_000 });
    const third = await harness.publish();
    await eventually(async () => (await harness.statusOf(third)) === 'synced');
    expect(writers()).toEqual(new Set(['first', 'second']));
  });
});
