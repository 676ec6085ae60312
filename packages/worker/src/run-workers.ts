import { bundleWorkflowCode, NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import type { Logger } from '@wfb/core/logger.js';
import { toTemporalLogger } from './temporal-logger.js';

/**
 * Runs Temporal workers: one connection, one sandbox bundle, and one Worker per namespace
 * on the same task queue. What runs is injected (workflow module, activities built by a
 * factory from their dependencies, Nexus service handlers), so main.ts, the dev command
 * and tests share the production wiring and only choose its contents.
 */
export interface RunWorkersOptions {
  address: string;
  namespaces: readonly string[];
  taskQueue: string;
  logger: Logger;
  /** The module that exports every workflow function (bundled for the sandbox once). */
  workflowsPath: string;
  activities?: WorkerOptions['activities'];
  nexusServices?: WorkerOptions['nexusServices'];
}

export interface RunningWorkers {
  /** Drains every worker, then closes the connection. Safe to call more than once. */
  shutdown(): Promise<void>;
  /** Settles when all workers have stopped; rejects if any of them failed. */
  done: Promise<void>;
}

const shutdownGraceTime = '5 seconds';

// webpack's stats arrive at info and drown the startup log, so the bundler only reports problems.
function atLeastWarn(logger: Logger): string {
  return logger.isLevelEnabled('warn') ? 'warn' : logger.level;
}

async function assertNamespacesExist(connection: NativeConnection, namespaces: readonly string[]): Promise<void> {
  const missing: string[] = [];
  for (const namespace of namespaces) {
    try {
      await connection.workflowService.describeNamespace({ namespace });
    } catch {
      missing.push(namespace);
    }
  }
  if (missing.length > 0) throw new Error(`Temporal namespaces not found or not reachable: ${missing.join(', ')}`);
}

export async function runWorkers(options: RunWorkersOptions): Promise<RunningWorkers> {
  const { address, namespaces, taskQueue, logger, workflowsPath } = options;
  if (namespaces.length === 0) throw new Error('runWorkers needs at least one namespace');

  const connection = await NativeConnection.connect({ address });
  let workers: Worker[];
  try {
    await assertNamespacesExist(connection, namespaces);
    // Bundling takes seconds; doing it once keeps startup flat as namespaces are added.
    const workflowBundle = await bundleWorkflowCode({
      workflowsPath,
      logger: toTemporalLogger(logger.child({ component: 'workflow-bundler' }, { level: atLeastWarn(logger) })),
    });
    workers = await Promise.all(
      namespaces.map((namespace) =>
        Worker.create({
          connection,
          namespace,
          taskQueue,
          workflowBundle,
          shutdownGraceTime,
          ...(options.activities && { activities: options.activities }),
          ...(options.nexusServices && { nexusServices: options.nexusServices }),
        }),
      ),
    );
  } catch (error) {
    await connection.close().catch(() => undefined);
    throw error;
  }

  const runs = workers.map((worker, index) =>
    worker.run().catch((error: unknown) => {
      logger.error({ err: error, namespace: namespaces[index], taskQueue }, 'worker failed');
      throw error;
    }),
  );
  const done = Promise.all(runs).then(() => undefined);
  // Callers that only ever call shutdown() must not see an unhandled rejection.
  done.catch(() => undefined);
  logger.info({ address, namespaces, taskQueue }, 'workers running');

  let stopping: Promise<void> | undefined;
  const shutdown = (): Promise<void> => {
    stopping ??= (async () => {
      for (const worker of workers) {
        if (worker.getState() === 'RUNNING') worker.shutdown();
      }
      await Promise.allSettled(runs);
      await connection.close();
      logger.info({ namespaces, taskQueue }, 'workers stopped');
    })();
    return stopping;
  };

  return { shutdown, done };
}
