import { randomUUID } from 'node:crypto';
import { createLogger } from '@wfb/core/logger.js';
import { type RunningFleet, runFleet } from '@wfb/worker/fleet/run-fleet.js';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { driverKinds } from '../../test/databases.js';
import { eventually } from '../../test/eventually.js';
import { callerFor, createTestApp, type TestApp } from '../../test/test-app.js';

const kind = driverKinds.at(-1) ?? 'pglite';

/** A fleet in all-projects mode follows the project list: no restart for a new project. */
describe(`worker fleet serving every project on ${kind}`, () => {
  let testApp: TestApp;
  let fleet: RunningFleet;

  beforeAll(async () => {
    testApp = await createTestApp(kind);
    fleet = await runFleet({
      address: inject('temporalAddress'),
      logger: createLogger({ level: 'warn' }),
      namespaces: [],
      taskQueue: `fleet-${randomUUID()}`,
      nexus: { database: testApp.database, taskQueue: `fleet-nexus-${randomUUID()}`, allProjects: true },
    });
  });
  afterAll(async () => {
    await fleet?.shutdown();
    await testApp?.close();
  });

  it('starts serving a new project’s namespace and stops when the project is deleted', async () => {
    expect(fleet.fleet.serving()).toEqual([]);
    const owner = callerFor(testApp, randomUUID());
    const project = await owner.projects.create({ slug: 'fleet-new', name: 'New', temporalNamespace: 'wfb-test-b' });
    await eventually(async () => fleet.fleet.serving().includes('wfb-test-b'), { timeoutMs: 20_000 });
    await owner.projects.delete({ projectId: project.id });
    await eventually(async () => !fleet.fleet.serving().includes('wfb-test-b'), { timeoutMs: 20_000 });
  });
});
