import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { driverKinds } from '../../../test/databases.js';
import { callerFor, trpcCode as codeOf, createTestApp, type TestApp } from '../../../test/test-app.js';

describe.each(driverKinds)('projects and members on %s (database)', (kind) => {
  let testApp: TestApp;
  const alice = randomUUID();
  const bob = randomUUID();
  const carol = randomUUID();

  beforeAll(async () => {
    testApp = await createTestApp(kind);
  });
  afterAll(async () => {
    await testApp.close();
  });

  it('creates a project whose creator is its owner, and lists only my projects', async () => {
    const project = await callerFor(testApp, alice).projects.create({ slug: 'alpha', name: 'Alpha' });
    expect(project).toMatchObject({ slug: 'alpha', name: 'Alpha', temporal_namespace: 'wfb-alpha', role: 'owner' });
    const mine = await callerFor(testApp, alice).projects.list();
    expect(mine.map((p) => p.slug)).toEqual(['alpha']);
    expect(await callerFor(testApp, bob).projects.list()).toEqual([]);
  });

  it('rejects bad input with BAD_REQUEST and duplicate slugs with CONFLICT, leaving no rows behind', async () => {
    const caller = callerFor(testApp, alice);
    expect(await codeOf(caller.projects.create({ slug: 'A!', name: 'x' }))).toBe('BAD_REQUEST');
    expect(await codeOf(caller.projects.create({ slug: 'gamma', name: '' }))).toBe('BAD_REQUEST');
    expect(await codeOf(caller.projects.get({ projectId: 'not-a-uuid' }))).toBe('BAD_REQUEST');
    await caller.projects.create({ slug: 'beta', name: 'Beta' });
    expect(await codeOf(caller.projects.create({ slug: 'beta', name: 'Beta again' }))).toBe('CONFLICT');
    const slugs = (await caller.projects.list()).map((p) => p.slug);
    expect(slugs.filter((slug) => slug === 'beta')).toHaveLength(1);
  });

  it('derives the Temporal namespace; only operator-listed or reserved-free names may be requested', async () => {
    const caller = callerFor(testApp, carol);
    expect(await codeOf(caller.projects.create({ slug: 'grab', name: 'x', temporalNamespace: 'someone-else' }))).toBe(
      'BAD_REQUEST',
    );
    expect(await codeOf(caller.projects.create({ slug: 'sys', name: 'x', temporalNamespace: 'temporal-system' }))).toBe(
      'BAD_REQUEST',
    );
    const adopted = await caller.projects.create({ slug: 'adopt', name: 'x', temporalNamespace: 'wfb-test-b' });
    expect(adopted.temporal_namespace).toBe('wfb-test-b');
    const derived = await caller.projects.create({ slug: 'derive', name: 'x', temporalNamespace: 'wfb-derive' });
    expect(derived.temporal_namespace).toBe('wfb-derive');
    expect(await codeOf(caller.projects.create({ slug: 'again', name: 'x', temporalNamespace: 'wfb-test-b' }))).toBe(
      'CONFLICT',
    );
  });

  it("hides another tenant's project: NOT_FOUND for every procedure, never FORBIDDEN", async () => {
    const project = await callerFor(testApp, alice).projects.create({ slug: 'secret-proj', name: 'Secret' });
    const intruder = callerFor(testApp, bob);
    const projectId = project.id;
    expect(await codeOf(intruder.projects.get({ projectId }))).toBe('NOT_FOUND');
    expect(await codeOf(intruder.projects.rename({ projectId, name: 'pwned' }))).toBe('NOT_FOUND');
    expect(await codeOf(intruder.projects.delete({ projectId }))).toBe('NOT_FOUND');
    expect(await codeOf(intruder.projects.members.list({ projectId }))).toBe('NOT_FOUND');
    expect(await codeOf(intruder.projects.members.add({ projectId, userId: bob, role: 'owner' }))).toBe('NOT_FOUND');
    expect(await codeOf(intruder.projects.members.remove({ projectId, userId: alice }))).toBe('NOT_FOUND');
    expect(await codeOf(intruder.projects.members.changeRole({ projectId, userId: alice, role: 'viewer' }))).toBe(
      'NOT_FOUND',
    );
    expect(await codeOf(intruder.audit.list({ projectId }))).toBe('NOT_FOUND');
    expect((await callerFor(testApp, alice).projects.get({ projectId })).name).toBe('Secret');
  });

  it('gates writes by role: viewers read, admins manage members, only owners delete or touch owners', async () => {
    const owner = callerFor(testApp, alice);
    const project = await owner.projects.create({ slug: 'roles', name: 'Roles' });
    const projectId = project.id;
    await owner.projects.members.add({ projectId, userId: bob, role: 'viewer' });
    const viewer = callerFor(testApp, bob);
    expect((await viewer.projects.get({ projectId })).role).toBe('viewer');
    expect(await codeOf(viewer.projects.rename({ projectId, name: 'nope' }))).toBe('FORBIDDEN');
    expect(await codeOf(viewer.apiKeys.create({ projectId, name: 'k' }))).toBe('FORBIDDEN');
    expect(await codeOf(viewer.projects.members.add({ projectId, userId: carol, role: 'member' }))).toBe('FORBIDDEN');

    await owner.projects.members.changeRole({ projectId, userId: bob, role: 'admin' });
    const admin = callerFor(testApp, bob);
    await admin.projects.rename({ projectId, name: 'Renamed' });
    await admin.projects.members.add({ projectId, userId: carol, role: 'member' });
    expect(await codeOf(admin.projects.members.add({ projectId, userId: randomUUID(), role: 'owner' }))).toBe(
      'FORBIDDEN',
    );
    expect(await codeOf(admin.projects.members.changeRole({ projectId, userId: alice, role: 'viewer' }))).toBe(
      'FORBIDDEN',
    );
    expect(await codeOf(admin.projects.members.remove({ projectId, userId: alice }))).toBe('FORBIDDEN');
    expect(await codeOf(admin.projects.delete({ projectId }))).toBe('FORBIDDEN');
    expect(await codeOf(admin.projects.members.add({ projectId, userId: carol, role: 'viewer' }))).toBe('CONFLICT');

    expect(await codeOf(owner.projects.members.changeRole({ projectId, userId: alice, role: 'admin' }))).toBe(
      'PRECONDITION_FAILED',
    );
    expect(await codeOf(owner.projects.members.remove({ projectId, userId: alice }))).toBe('PRECONDITION_FAILED');
    const members = await owner.projects.members.list({ projectId });
    expect(members.map((m) => [m.user_id, m.role]).sort()).toEqual(
      [
        [alice, 'owner'],
        [bob, 'admin'],
        [carol, 'member'],
      ].sort(),
    );

    const audit = await owner.audit.list({ projectId });
    expect(audit.events.map((event) => event.action)).toEqual(
      expect.arrayContaining(['project.created', 'member.added', 'member.role_changed', 'project.renamed']),
    );
    expect(await codeOf(callerFor(testApp, carol).audit.list({ projectId }))).toBe('FORBIDDEN');

    await owner.projects.delete({ projectId });
    expect(await codeOf(owner.projects.get({ projectId }))).toBe('NOT_FOUND');
  });
});
