import { Runtime } from '@temporalio/worker';
import { createDatabase } from '@wfb/core/db/driver.js';
import { createLogger } from '@wfb/core/logger.js';
import { controlPlaneOf, loadWorkerEnv, WorkerEnvError } from './env.js';
import { runFleet } from './fleet/run-fleet.js';
import { toTemporalLogger } from './temporal-logger.js';

/**
 * Composition root of the worker process. Signals are handled here rather than by the
 * Temporal Runtime so that shutdown also closes the connection and logs through pino;
 * a second signal forces exit for when draining hangs.
 */
async function main(): Promise<void> {
  const env = loadWorkerEnv();
  const logger = createLogger({ level: env.LOG_LEVEL });
  Runtime.install({ logger: toTemporalLogger(logger.child({ component: 'temporal' })), shutdownSignals: [] });

  if (env.WORKER_ALL_PROJECTS && !env.WORKER_DATABASE_URL) {
    throw new WorkerEnvError(['WORKER_ALL_PROJECTS: needs WORKER_DATABASE_URL (the project list is read from it)']);
  }
  const database = env.WORKER_DATABASE_URL
    ? await createDatabase({ databaseUrl: env.WORKER_DATABASE_URL, poolSize: 2, logger })
    : undefined;
  const fleet = await runFleet({
    address: env.TEMPORAL_ADDRESS,
    logger,
    namespaces: env.TEMPORAL_NAMESPACES,
    taskQueue: env.TASK_QUEUE,
    nexus: database && {
      database,
      taskQueue: env.NEXUS_TASK_QUEUE,
      allProjects: env.WORKER_ALL_PROJECTS,
      metricsPort: env.WORKER_METRICS_PORT,
    },
    controlPlane: controlPlaneOf(env),
  });

  const signalled = await new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGTERM', () => resolve('SIGTERM'));
    process.once('SIGINT', () => resolve('SIGINT'));
  });
  logger.info({ signal: signalled }, 'shutting down');
  const force = (signal: NodeJS.Signals): void => {
    logger.warn({ signal }, 'second signal, exiting without draining');
    process.exit(1);
  };
  process.once('SIGTERM', force);
  process.once('SIGINT', force);
  await fleet.shutdown();
  await database?.close();
}

main().catch((error: unknown) => {
  if (error instanceof WorkerEnvError) {
    process.stderr.write(`${error.message}\n`);
  } else {
    process.stderr.write(
      `worker failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
  }
  process.exitCode = 1;
});
