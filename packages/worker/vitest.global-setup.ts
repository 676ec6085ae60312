import { createLogger } from '@wfb/core/logger.js';
import type { TestProject } from 'vitest/node';
import { loadTestServerEnv } from './src/env.js';
import { startTemporalDevServer } from './src/testing/temporal-dev-server.js';
import { temporalTestNamespaces } from './src/testing/temporal-test-context.js';

/**
 * Starts one Temporal dev server for the whole test run (or reuses TEMPORAL_ADDRESS, which
 * must then already have the test namespaces) and hands its address to tests through
 * `inject('temporalAddress')`. The returned function is vitest's teardown.
 */
export async function setup(project: TestProject): Promise<() => Promise<void>> {
  const env = loadTestServerEnv();
  if (env.externalAddress) {
    project.provide('temporalAddress', env.externalAddress);
    return async () => undefined;
  }
  const logger = createLogger({ level: 'info' }).child({ component: 'temporal-dev-server' });
  const server = await startTemporalDevServer({
    namespaces: temporalTestNamespaces,
    cliPath: env.cliPath,
    logger,
  });
  project.provide('temporalAddress', server.address);
  return () => server.stop();
}
