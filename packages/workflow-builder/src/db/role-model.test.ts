import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { driverKinds } from '../../test/databases.js';
import { callerFor, createTestApp, type TestApp } from '../../test/test-app.js';
import { withUserTransaction } from './tx.js';

/**
 * The app logs in as a role that holds nothing itself. Code inside a user transaction that
 * resets its role falls back to that login role, not to a superuser or the service role,
 * so it reads no other tenant's rows and bypasses no policy. PGlite is one embedded
 * superuser session: there RESET ROLE does return to a superuser (see README).
 */
describe.each(driverKinds)('database role model on %s (database)', (kind) => {
  let testApp: TestApp;
  const alice = randomUUID();
  const bob = randomUUID();
  let projectId: string;

  beforeAll(async () => {
    testApp = await createTestApp(kind);
    projectId = (await callerFor(testApp, alice).projects.create({ slug: `roles-${kind}`, name: 'A' })).id;
    await callerFor(testApp, bob).projects.create({ slug: `roles-b-${kind}`, name: 'B' });
  });
  afterAll(async () => {
    await testApp.close();
  });

  it('runs system queries as the service role and user transactions as authenticated', async () => {
    const system = await sql<{ role: string }>`select current_user as role`.execute(testApp.database.db);
    expect(system.rows[0]?.role).toBe('service_role');
    const user = await withUserTransaction(testApp.database.db, { sub: bob }, (tx) =>
      sql<{ role: string }>`select current_user as role`.execute(tx),
    );
    expect(user.rows[0]?.role).toBe('authenticated');
  });

  it.runIf(kind === 'postgres').each(['reset role', 'set role none', 'set local role none'])(
    "'%s' inside a user transaction gains nothing",
    async (statement) => {
      const outcome = await withUserTransaction(testApp.database.db, { sub: bob }, async (tx) => {
        await sql.raw(statement).execute(tx);
        const who = await sql<{ role: string; superuser: boolean; bypass: boolean }>`
          select current_user as role, r.rolsuper as superuser, r.rolbypassrls as bypass
          from pg_roles r where r.rolname = current_user`.execute(tx);
        const read = await sql<{ n: number }>`select count(*)::int as n from public.projects where id = ${projectId}`
          .execute(tx)
          .then(
            (result) => result.rows[0]?.n ?? 0,
            (error: Error) => error.message,
          );
        // A session-level RESET would outlive the transaction on this pooled connection.
        throw Object.assign(new Error('rollback'), { outcome: { who: who.rows[0], read } });
      }).catch((error: Error & { outcome?: unknown }) => error.outcome);
      expect(outcome).toMatchObject({ who: { role: 'authenticator', superuser: false, bypass: false } });
      expect(outcome).toMatchObject({ read: expect.stringMatching(/permission denied/) });
    },
  );

  it.runIf(kind === 'postgres')('connects as a login role that is neither superuser nor bypasses RLS', async () => {
    const login = await sql<{ name: string; superuser: boolean; bypass: boolean; inherit: boolean }>`
      select r.rolname as name, r.rolsuper as superuser, r.rolbypassrls as bypass, r.rolinherit as inherit
      from pg_roles r where r.rolname = session_user`.execute(testApp.database.db);
    expect(login.rows[0]).toEqual({ name: 'authenticator', superuser: false, bypass: false, inherit: false });
    const switchable = await sql<{ role: string }>`
      select g.rolname as role from pg_auth_members m join pg_roles g on g.oid = m.roleid
      where m.member = (select oid from pg_roles where rolname = session_user) order by 1`.execute(testApp.database.db);
    expect(switchable.rows.map((row) => row.role)).toEqual(['anon', 'authenticated', 'service_role']);
  });
});
