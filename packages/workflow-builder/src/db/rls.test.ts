import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { driverKinds } from '../../test/databases.js';
import { callerFor, createTestApp, type TestApp } from '../../test/test-app.js';
import { withUserTransaction } from './tx.js';

/** RLS is the backstop: even raw SQL as `authenticated` with B's claims sees none of A's rows. */
describe.each(driverKinds)('row level security on %s (database)', (kind) => {
  let testApp: TestApp;
  const alice = randomUUID();
  const bob = randomUUID();
  let projectId: string;

  beforeAll(async () => {
    testApp = await createTestApp(kind);
    const caller = callerFor(testApp, alice);
    projectId = (await caller.projects.create({ slug: 'tenant-a', name: 'A' })).id;
    await caller.apiKeys.create({ projectId, name: 'a-key' });
    await callerFor(testApp, bob).projects.create({ slug: 'tenant-b', name: 'B' });
  });
  afterAll(async () => {
    await testApp.close();
  });

  const tables = ['projects', 'project_members', 'api_keys', 'audit_events'] as const;

  it.each(tables)("B's raw select on %s sees none of A's rows", async (table) => {
    const idColumn = table === 'projects' ? 'id' : 'project_id';
    const seenByBob = await withUserTransaction(testApp.database.db, { sub: bob }, (tx) =>
      sql<{
        n: number;
      }>`select count(*)::int as n from ${sql.table(table)} where ${sql.ref(idColumn)} = ${projectId}`.execute(tx),
    );
    expect(seenByBob.rows[0]?.n).toBe(0);
    const seenByOwner = await sql<{ n: number }>`select count(*)::int as n from ${sql.table(table)}
      where ${sql.ref(idColumn)} = ${projectId}`.execute(testApp.database.db);
    expect(seenByOwner.rows[0]?.n).toBeGreaterThan(0);
  });

  it("B cannot write A's rows with raw SQL either", async () => {
    await withUserTransaction(testApp.database.db, { sub: bob }, async (tx) => {
      const renamed = await sql`update projects set name = 'pwned' where id = ${projectId}`.execute(tx);
      expect(Number(renamed.numAffectedRows ?? 0n)).toBe(0);
      const revoked = await sql`update api_keys set revoked_at = now() where project_id = ${projectId}`.execute(tx);
      expect(Number(revoked.numAffectedRows ?? 0n)).toBe(0);
    });
    await expect(
      withUserTransaction(testApp.database.db, { sub: bob }, (tx) =>
        sql`insert into project_members (project_id, user_id, role) values (${projectId}, ${bob}, 'owner')`.execute(tx),
      ),
    ).rejects.toThrow(/row-level security/);
    const project = await sql<{ name: string }>`select name from projects where id = ${projectId}`.execute(
      testApp.database.db,
    );
    expect(project.rows[0]?.name).toBe('A');
  });

  it('enforces role rules too: admins cannot touch owners, keys cannot be widened or un-revoked', async () => {
    const admin = randomUUID();
    const owner = callerFor(testApp, alice);
    await owner.projects.members.add({ projectId, userId: admin, role: 'admin' });
    const asAdmin = <T>(work: (tx: Parameters<Parameters<typeof withUserTransaction>[2]>[0]) => Promise<T>) =>
      withUserTransaction(testApp.database.db, { sub: admin }, work);
    const promoted = await asAdmin((tx) =>
      sql`update project_members set role = 'owner' where project_id = ${projectId} and user_id = ${admin}`.execute(tx),
    ).catch((error: Error) => error);
    expect(promoted).toBeInstanceOf(Error);
    const demoted = await asAdmin((tx) =>
      sql`update project_members set role = 'viewer' where project_id = ${projectId} and user_id = ${alice}`.execute(
        tx,
      ),
    );
    expect(Number(demoted.numAffectedRows ?? 0n)).toBe(0);
    await expect(
      asAdmin((tx) => sql`update api_keys set public_interface_id = null where project_id = ${projectId}`.execute(tx)),
    ).rejects.toThrow(/permission denied/);
    await expect(
      asAdmin((tx) =>
        sql`update projects set temporal_namespace = 'temporal-system' where id = ${projectId}`.execute(tx),
      ),
    ).rejects.toThrow(/permission denied/);
    const key = await owner.apiKeys.create({ projectId, name: 'final' });
    await owner.apiKeys.revoke({ id: key.key.id });
    await expect(
      asAdmin((tx) => sql`update api_keys set revoked_at = null where id = ${key.key.id}`.execute(tx)),
    ).rejects.toThrow(/stays revoked/);
    const members = await owner.projects.members.list({ projectId });
    expect(members.find((member) => member.user_id === alice)?.role).toBe('owner');
    expect(members.find((member) => member.user_id === admin)?.role).toBe('admin');
  });

  it('an anonymous transaction (no claims) sees nothing', async () => {
    const rows = await testApp.database.db.transaction().execute(async (tx) => {
      await sql`set local role authenticated`.execute(tx);
      return sql<{ n: number }>`select count(*)::int as n from projects`.execute(tx);
    });
    expect(rows.rows[0]?.n).toBe(0);
  });
});
