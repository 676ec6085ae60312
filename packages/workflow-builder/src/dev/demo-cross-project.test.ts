import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { driverKinds } from '../../test/databases.js';
import { createTestApp, type TestApp } from '../../test/test-app.js';
import { seedCrossProjectDemo } from './demo-cross-project.js';
import { seedDemo } from './demo-seed.js';

describe.each(driverKinds)('cross-project demo seed on %s (database)', (kind) => {
  let testApp: TestApp;
  const userId = randomUUID();

  beforeAll(async () => {
    testApp = await createTestApp(kind);
  });
  afterAll(async () => {
    await testApp.close();
  });

  it('seeds a second project with an approved connector to the demo, idempotently, and prints the caller', async () => {
    const demo = await seedDemo({ app: testApp.app, userId });
    const seed = () =>
      seedCrossProjectDemo({
        app: testApp.app,
        userId,
        targetSlug: demo.project.slug,
        namespace: 'wfb-test-a',
        taskQueue: 'wfb-examples',
        temporalAddress: '127.0.0.1:7233',
        temporalCli: 'temporal',
      });
    const first = await seed();
    expect(first.project).toMatchObject({ slug: 'demo-caller', namespace: 'wfb-test-a' });
    expect(first.command).toBe(
      `'temporal' workflow execute --address 127.0.0.1:7233 --namespace 'wfb-test-a' --task-queue 'wfb-examples' ` +
        `--type crossProjectOrderWorkflow --input '{"connector":"orders","orderId":"cross-project-1","customer":"grace"}'`,
    );
    const again = await seed();
    expect(again.connector.id).toBe(first.connector.id);
  });
});
