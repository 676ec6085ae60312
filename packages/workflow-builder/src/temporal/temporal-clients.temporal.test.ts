import { randomBytes } from 'node:crypto';
import { AppError } from '@wfb/core/errors.js';
import { createLogger } from '@wfb/core/logger.js';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { createTemporalClients } from './temporal-clients.js';

/** Needs the Temporal dev server the worker package's global setup starts. */
describe('namespace registration (temporal)', () => {
  const clients = createTemporalClients({
    address: inject('temporalAddress'),
    logger: createLogger({ level: 'silent' }),
  });
  afterAll(() => clients.close());

  it('registers a new namespace marked as ours, and accepts it again', async () => {
    const namespace = `wfb-ns-${randomBytes(4).toString('hex')}`;
    await clients.ensureNamespace(namespace);
    await clients.ensureNamespace(namespace);
    const connection = await clients.connection();
    const described = await connection.workflowService.describeNamespace({ namespace });
    expect(described.namespaceInfo?.data?.['wfb-managed']).toBe('true');
  });

  it('refuses an existing namespace it did not register, unless the operator allowed it', async () => {
    const refusal = await clients.ensureNamespace('wfb-test-a').catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(AppError);
    expect((refusal as AppError).code).toBe('CONFLICT');
    await expect(clients.ensureNamespace('wfb-test-a', { adopt: true })).resolves.toBeUndefined();
  });

  it('answers readiness with a deadline', async () => {
    await expect(clients.ping()).resolves.toBeUndefined();
  });
});
