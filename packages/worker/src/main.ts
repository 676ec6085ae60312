import { Runtime } from '@temporalio/worker';
import { createLogger } from '@wfb/core/logger.js';
import { controlPlaneOf, loadWorkerEnv, WorkerEnvError } from './env.js';
import { runExampleWorkers } from './examples/run-examples.js';
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

  const workers = await runExampleWorkers({
    address: env.TEMPORAL_ADDRESS,
    namespaces: env.TEMPORAL_NAMESPACES,
    taskQueue: env.TASK_QUEUE,
    logger,
    controlPlane: controlPlaneOf(env),
  });

  let signalled = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (signalled) {
      logger.warn({ signal }, 'second signal, exiting without draining');
      process.exit(1);
    }
    signalled = true;
    logger.info({ signal }, 'shutting down');
    void workers.shutdown();
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);

  try {
    await workers.done;
  } catch (error) {
    logger.fatal({ err: error }, 'a worker failed; stopping the rest');
    process.exitCode = 1;
  }
  await workers.shutdown();
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
