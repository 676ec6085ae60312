import { createDatabase, type Database } from '@wfb/core/db/driver.js';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { createTestDatabase, type DriverKind, driverKinds, type TestDatabase } from '../../test/databases.js';
import { campaignForLeadership, type Leadership } from './advisory-lock.js';

const logger = pino({ level: 'silent' });
const key = 42_4242;

interface Candidate {
  leadership: Leadership;
  events: string[];
}

function candidate(database: Database): Candidate {
  const events: string[] = [];
  const leadership = campaignForLeadership(database, {
    key,
    logger,
    intervalMs: 100,
    heartbeatTimeoutMs: 500,
    onElected: () => events.push('elected'),
    onLost: () => events.push('lost'),
  });
  return { leadership, events };
}

describe('leader lock (pglite)', () => {
  const kind: DriverKind = 'pglite';
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function database(): Promise<TestDatabase> {
    const created = await createTestDatabase(kind);
    cleanups.push(() => created.close());
    return created;
  }

  it('always leads on PGlite', async () => {
    const only = candidate(await database());
    cleanups.push(() => only.leadership.stop());
    await expect.poll(() => only.leadership.leading).toBe(true);
    expect(only.events).toEqual(['elected']);
  });
});

describe.runIf(driverKinds.includes('postgres'))('leader lock (postgres)', () => {
  const kind: DriverKind = 'postgres';
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function database(): Promise<TestDatabase> {
    const created = await createTestDatabase(kind);
    cleanups.push(() => created.close());
    return created;
  }

  it('elects exactly one of two instances, and the other takes over when the leader’s connection dies', async () => {
    const first = await database();
    const url = first.url;
    if (!url) throw new Error('postgres test database has no url');
    const second = await createDatabase({ databaseUrl: url, poolSize: 2 });
    cleanups.push(() => second.close());
    const a = candidate(first);
    const b = candidate(second);
    cleanups.push(() => b.leadership.stop());
    cleanups.push(() => a.leadership.stop());

    await expect.poll(() => [a, b].filter((one) => one.leadership.leading).length).toBe(1);
    // Several more rounds: still exactly one.
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect([a, b].filter((one) => one.leadership.leading)).toHaveLength(1);
    const [leader, standby] = a.leadership.leading ? [a, b] : [b, a];

    // Kill the leader's lock session from the server side, as a crash or a network cut would.
    const { rows } = (await first.openSession()?.then(async (admin) => {
      try {
        return await admin.query<{ killed: boolean }>(
          `select pg_terminate_backend(pid) as killed from pg_locks
              where locktype = 'advisory' and granted and objid = $1 and database = (select oid from pg_database where datname = current_database())`,
          [key],
        );
      } finally {
        await admin.end();
      }
    })) ?? { rows: [] };
    expect(rows).toEqual([{ killed: true }]);

    await expect.poll(() => standby.leadership.leading, { timeout: 5_000 }).toBe(true);
    await expect.poll(() => leader.events).toEqual(['elected', 'lost']);
    expect(leader.leadership.leading).toBe(false);
    expect(standby.events).toEqual(['elected']);
  });

  it('hands over at once when the leader stops', async () => {
    const first = await database();
    if (!first.url) throw new Error('postgres test database has no url');
    const second = await createDatabase({ databaseUrl: first.url, poolSize: 2 });
    cleanups.push(() => second.close());
    const a = candidate(first);
    await expect.poll(() => a.leadership.leading).toBe(true);
    const b = candidate(second);
    cleanups.push(() => b.leadership.stop());
    await new Promise((resolve) => setTimeout(resolve, 250));
    expect(b.leadership.leading).toBe(false);
    await a.leadership.stop();
    expect(a.events).toEqual(['elected', 'lost']);
    await expect.poll(() => b.leadership.leading, { timeout: 5_000 }).toBe(true);
  });
});
