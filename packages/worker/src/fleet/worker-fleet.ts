import { bundleWorkflowCode, NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import type { Logger } from '@wfb/core/logger.js';
import { toTemporalLogger } from '../temporal-logger.js';

/**
 * Temporal workers for a changing set of namespaces: one connection, one sandbox bundle,
 * and per namespace one Worker for each task queue. `sync(namespaces)` starts workers for
 * new namespaces and drains those of namespaces that went away, so a fleet that follows the
 * project list picks up new projects without a restart. A namespace whose workers cannot
 * start (not registered yet) is logged once and retried on the next sync.
 */
export interface FleetQueue {
  taskQueue: string;
  activities?: WorkerOptions['activities'];
  nexusServices?: WorkerOptions['nexusServices'];
}

export interface WorkerFleetOptions {
  address: string;
  logger: Logger;
  workflowsPath: string;
  queues: readonly FleetQueue[];
  /** Extra Worker options (sinks, tuning) shared by every worker. */
  workerOptions?: Partial<Pick<WorkerOptions, 'sinks' | 'maxConcurrentWorkflowTaskExecutions'>>;
}

export interface WorkerFleet {
  sync(namespaces: readonly string[]): Promise<void>;
  /** Namespaces whose workers run. */
  serving(): string[];
  shutdown(): Promise<void>;
}

interface Running {
  workers: Worker[];
  runs: Promise<void>[];
}

const shutdownGraceTime = '5 seconds';

function atLeastWarn(logger: Logger): string {
  return logger.isLevelEnabled('warn') ? 'warn' : logger.level;
}

export async function createWorkerFleet(options: WorkerFleetOptions): Promise<WorkerFleet> {
  const log = options.logger.child({ component: 'worker-fleet' });
  const connection = await NativeConnection.connect({ address: options.address });
  let workflowBundle: Awaited<ReturnType<typeof bundleWorkflowCode>>;
  try {
    // Bundling takes seconds; once per process keeps adding a namespace cheap.
    workflowBundle = await bundleWorkflowCode({
      workflowsPath: options.workflowsPath,
      logger: toTemporalLogger(options.logger.child({ component: 'workflow-bundler' }, { level: atLeastWarn(log) })),
    });
  } catch (error) {
    await connection.close().catch(() => undefined);
    throw error;
  }
  const running = new Map<string, Running>();
  const failing = new Set<string>();
  let syncing: Promise<void> = Promise.resolve();
  let closed = false;

  async function startNamespace(namespace: string): Promise<void> {
    await connection.workflowService.describeNamespace({ namespace });
    const workers = await Promise.all(
      options.queues.map((queue) =>
        Worker.create({
          connection,
          namespace,
          taskQueue: queue.taskQueue,
          workflowBundle,
          shutdownGraceTime,
          ...options.workerOptions,
          ...(queue.activities && { activities: queue.activities }),
          ...(queue.nexusServices && { nexusServices: queue.nexusServices }),
        }),
      ),
    );
    const runs = workers.map((worker, index) =>
      worker.run().catch((error: unknown) => {
        log.error({ err: error, namespace, taskQueue: options.queues[index]?.taskQueue }, 'worker failed');
        // The next sync starts this namespace again.
        if (running.get(namespace)?.workers.includes(worker)) running.delete(namespace);
      }),
    );
    running.set(namespace, { workers, runs });
    log.info({ namespace, taskQueues: options.queues.map((queue) => queue.taskQueue) }, 'serving namespace');
  }

  async function stopNamespace(namespace: string): Promise<void> {
    const entry = running.get(namespace);
    if (!entry) return;
    running.delete(namespace);
    for (const worker of entry.workers) if (worker.getState() === 'RUNNING') worker.shutdown();
    await Promise.allSettled(entry.runs);
    log.info({ namespace }, 'stopped serving namespace');
  }

  async function apply(namespaces: readonly string[]): Promise<void> {
    if (closed) return;
    const wanted = new Set(namespaces);
    for (const namespace of [...running.keys()]) if (!wanted.has(namespace)) await stopNamespace(namespace);
    for (const namespace of wanted) {
      if (running.has(namespace)) continue;
      try {
        await startNamespace(namespace);
        failing.delete(namespace);
      } catch (error) {
        if (!failing.has(namespace)) log.warn({ err: error, namespace }, 'cannot serve namespace yet; will retry');
        failing.add(namespace);
      }
    }
  }

  return {
    sync(namespaces) {
      // One sync at a time, in order.
      syncing = syncing.then(() => apply(namespaces));
      return syncing;
    },
    serving: () => [...running.keys()].sort(),
    async shutdown() {
      await syncing.catch(() => undefined);
      closed = true;
      await Promise.all([...running.keys()].map((namespace) => stopNamespace(namespace)));
      await connection.close();
    },
  };
}
