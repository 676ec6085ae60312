import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { driverKinds } from '../../test/databases.js';
import { callerFor, createTestApp, type TestApp } from '../../test/test-app.js';
import { connectorEnv } from '../domain/connectors/testing/fixtures.js';
import { withUserTransaction } from './tx.js';

/**
 * No signed-in user can write an audit row describing something that did not happen: direct
 * inserts are refused for every role, the app's recording function only adds detail to an
 * event the caller's own change wrote (or records credential use the caller may make), and
 * a change made by direct SQL is audited with the real actor and action anyway.
 */
const roles = ['owner', 'admin', 'member', 'viewer'] as const;
type Role = (typeof roles)[number];

describe.each(driverKinds)('audit log under direct SQL on %s (database)', (kind) => {
  let testApp: TestApp;
  const users: Record<Role, string> = {
    owner: randomUUID(),
    admin: randomUUID(),
    member: randomUUID(),
    viewer: randomUUID(),
  };
  let projectId: string;
  let connectorId: string;

  beforeAll(async () => {
    testApp = await createTestApp(kind, connectorEnv());
    const owner = callerFor(testApp, users.owner);
    projectId = (await owner.projects.create({ slug: `audit-${kind}`, name: 'Audit' })).id;
    for (const role of ['admin', 'member', 'viewer'] as const)
      await owner.projects.members.add({ projectId, userId: users[role], role });
    connectorId = (
      await owner.connectors.create({
        projectId,
        name: 'audited',
        baseUrl: 'http://127.0.0.1:9/api',
        auth: { type: 'bearer', token: 'PLANTED-audit-token-0a1b2c3d' },
      })
    ).id;
  });
  afterAll(async () => {
    await testApp.close();
  });

  const as = <T>(role: Role, work: Parameters<typeof withUserTransaction<T>>[2]) =>
    withUserTransaction(testApp.database.db, { sub: users[role] }, work);
  const failure = (promise: Promise<unknown>) =>
    promise.then(
      () => 'succeeded',
      (error: Error) => error.message,
    );
  const actions = async () =>
    (await callerFor(testApp, users.owner).audit.list({ projectId, limit: 200 })).events.map((event) => event.action);

  it.each(roles)('refuses a forged insert from the %s', async (role) => {
    const forged = await failure(
      as(role, (tx) =>
        sql`insert into public.audit_events (project_id, actor_type, actor_id, action, entity_type, entity_id)
          values (${projectId}, 'user', ${users[role]}, 'project.deleted', 'project', ${projectId})`.execute(tx),
      ),
    );
    expect(forged).toMatch(/permission denied/);
    expect(await actions()).not.toContain('project.deleted');
  });

  it.each(roles)('records nothing through the app function that the %s did not do', async (role) => {
    const invented = await failure(
      as(role, (tx) =>
        sql`select wfb.record_audit_event('project', ${projectId}, 'project.deleted', '{}')`.execute(tx),
      ),
    );
    expect(invented).toMatch(/no project\.deleted/);
    const otherAction = await failure(
      as(role, async (tx) => {
        await sql`update public.projects set updated_at = now() where id = ${projectId}`.execute(tx);
        await sql`select wfb.record_audit_event('project', ${projectId}, 'project.deleted', '{}')`.execute(tx);
      }),
    );
    expect(otherAction).toMatch(/no project\.deleted|permission denied/);
    const credentialUse = await failure(
      as(role, (tx) =>
        sql`select wfb.record_audit_event('connector', ${connectorId}, 'connector.tested', '{"ok":true}')`.execute(tx),
      ),
    );
    expect(credentialUse).toBe(role === 'viewer' ? 'connector not found' : 'succeeded');
    expect(await actions()).not.toContain('project.deleted');
  });

  it.each(roles)("audits the %s's direct SQL change with the real actor and action", async (role) => {
    const name = `renamed-by-${role}`;
    const renamed = await failure(
      as(role, (tx) => sql`update public.connectors set name = ${name} where id = ${connectorId}`.execute(tx)),
    );
    expect(renamed).toBe('succeeded');
    const events = (await callerFor(testApp, users.owner).audit.list({ projectId, entityType: 'connector' })).events;
    const event = events.find((candidate) => (candidate.metadata as { name?: string }).name === name);
    if (role === 'viewer') expect(event).toBeUndefined();
    else expect(event).toMatchObject({ action: 'connector.updated', actor_type: 'user', actor_id: users[role] });
    if (event) expect(event.metadata).toMatchObject({ columns: ['name'] });
  });

  it('lets the system (service role) write system events', async () => {
    await sql`insert into public.audit_events (project_id, actor_type, action, entity_type)
      values (${projectId}, 'system', 'system.checked', 'project')`.execute(testApp.database.db);
    expect(await actions()).toContain('system.checked');
  });
});
