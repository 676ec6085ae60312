import { createLogger } from '@wfb/core/logger.js';
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../test/databases.js';
import { eventually } from '../../test/eventually.js';
import { createReconciler, type PassOutcome, type Reconciler } from './reconciler.js';

const silent = createLogger({ level: 'silent' });

describe('reconciler (pglite: always the leader)', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function setup(pass: () => Promise<PassOutcome>, extra: { intervalMs?: number } = {}) {
    const database: TestDatabase = await createTestDatabase('pglite');
    cleanups.push(() => database.close());
    const reconciler: Reconciler<PassOutcome> = createReconciler({
      name: 'test',
      database,
      logger: silent,
      leaderKey: 1,
      channels: ['wfb_test_changes'],
      pass,
      debounceMs: 5,
      backoffInitialMs: 5,
      backoffMaxMs: 20,
      intervalMs: extra.intervalMs ?? 60_000,
    });
    await reconciler.start();
    cleanups.push(() => reconciler.stop());
    return { database, reconciler };
  }

  it('runs a pass when elected, and again (debounced) after notifications', async () => {
    let passes = 0;
    const { database } = await setup(async () => {
      passes += 1;
      return { writes: 0, errors: 0 };
    });
    await eventually(async () => passes === 1);
    for (let index = 0; index < 5; index += 1)
      await sql`select pg_notify('wfb_test_changes', 'x')`.execute(database.db);
    await eventually(async () => passes === 2);
  });

  it('retries a failing pass with backoff and reports health', async () => {
    let calls = 0;
    const { reconciler } = await setup(async () => {
      calls += 1;
      if (calls < 4) throw new Error('peer down');
      return { writes: 1, errors: 0 };
    });
    await eventually(async () => !reconciler.status().healthy);
    expect(reconciler.status().lastError).toBe('peer down');
    await eventually(async () => calls === 4 && reconciler.status().healthy);
    expect(reconciler.status()).toMatchObject({ leading: true, consecutiveFailures: 0, lastError: null });
  });

  it('runs a pass on demand and returns its outcome', async () => {
    let writes = 0;
    const { reconciler } = await setup(async () => {
      writes += 1;
      return { writes, errors: 0 };
    });
    await eventually(async () => reconciler.status().lastPassAt !== null);
    expect(await reconciler.runNow()).toEqual({ writes: 2, errors: 0 });
  });

  it('repairs drift on a timer with no notification', async () => {
    let passes = 0;
    await setup(
      async () => {
        passes += 1;
        return { writes: 0, errors: 0 };
      },
      { intervalMs: 20 },
    );
    await eventually(async () => passes >= 3);
  });
});
