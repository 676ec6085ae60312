import type { Server } from 'node:http';
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Runtime } from '@temporalio/worker';
import { type ChangeFeed, createChangeFeed } from '@wfb/core/db/change-feed.js';
import type { Database } from '@wfb/core/db/driver.js';
import { createSchemaCompiler } from '@wfb/core/interfaces/json-schema.js';
import type { Logger } from '@wfb/core/logger.js';
import { loadProjectNamespaces, policyChannels } from '@wfb/core/nexus/connector-policy.store.js';
import { createExampleActivities } from '../examples/activities.js';
import { createNexusCallerActivities } from '../nexus/caller-activities.js';
import { createProjectConnectorHandler } from '../nexus/handler.js';
import { createNexusMetrics, type NexusMetrics, serveMetrics } from '../nexus/nexus-metrics.js';
import { createPolicySource, type PolicySource } from '../nexus/policy-source.js';
import { toTemporalLogger } from '../temporal-logger.js';
import type { ControlPlaneConfig } from '../workflow/egress-client.js';
import { createHttpActivities } from '../workflow/http-activities.js';
import { createWorkerFleet, type FleetQueue, type WorkerFleet, type WorkerFleetOptions } from './worker-fleet.js';

/**
 * The worker process's composition: in every namespace it serves, the example services on
 * `taskQueue` and, with a policy database, the cross-project Nexus handler (plus the
 * built-in ping workflow) on `nexus.taskQueue`, side by side. Namespaces are the configured
 * ones, or with `allProjects` every project's (followed through NOTIFY `wfb_projects`, so
 * new projects are served without a restart). The policy database is read-only
 * (role `wfb_worker`); the worker holds no encryption keys and no API-key pepper.
 */
export const fleetWorkflowsPath = fileURLToPath(
  new URL(`./fleet-workflows${extname(fileURLToPath(import.meta.url))}`, import.meta.url),
);

export interface FleetNexusOptions {
  database: Database;
  taskQueue: string;
  allProjects: boolean;
  metricsPort?: number | undefined;
  policyHealIntervalMs?: number;
}

export interface RunFleetOptions {
  address: string;
  logger: Logger;
  namespaces: readonly string[];
  taskQueue: string;
  nexus?: FleetNexusOptions | undefined;
  /** Where HTTP and webhook steps call the control plane's egress (CONTROL_PLANE_URL + WORKER_TOKEN). */
  controlPlane?: ControlPlaneConfig | undefined;
  workflowsPath?: string;
  /** Activities added to the defaults (examples, the caller's connector check). */
  activities?: Record<string, (...args: never[]) => Promise<unknown>>;
  workerOptions?: WorkerFleetOptions['workerOptions'];
  resyncIntervalMs?: number;
  /**
   * Route the Temporal Runtime's own logs (worker state changes …) through `logger`, and let
   * the caller handle signals. Only possible before the process's first worker; main.ts does
   * it itself, the dev command and tests ask for it here.
   */
  installRuntime?: boolean;
}

let runtimeInstalled = false;

function installRuntimeOnce(logger: Logger): void {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  try {
    Runtime.install({ logger: toTemporalLogger(logger.child({ component: 'temporal' })), shutdownSignals: [] });
  } catch (error) {
    // Another part of this process created the Runtime first; its logger stays.
    logger.debug({ err: error }, 'temporal runtime already installed');
  }
}

export interface RunningFleet {
  fleet: WorkerFleet;
  policy: PolicySource | undefined;
  metrics: NexusMetrics | undefined;
  /** Re-reads the project list (all-projects mode) and syncs the workers now. */
  refresh(): Promise<void>;
  shutdown(): Promise<void>;
}

export async function runFleet(options: RunFleetOptions): Promise<RunningFleet> {
  const log = options.logger;
  if (options.installRuntime) installRuntimeOnce(log);
  const nexusOptions = options.nexus;
  const metrics = nexusOptions ? createNexusMetrics({ defaultMetrics: true }) : undefined;
  const policy = nexusOptions
    ? createPolicySource({
        database: nexusOptions.database,
        logger: log,
        schemas: createSchemaCompiler({ cacheSize: 1_000 }),
        ...(nexusOptions.policyHealIntervalMs !== undefined && { healIntervalMs: nexusOptions.policyHealIntervalMs }),
      })
    : undefined;
  const activities = {
    ...createExampleActivities(),
    ...createHttpActivities({ controlPlane: options.controlPlane }),
    ...(policy && createNexusCallerActivities({ policy })),
    ...options.activities,
  };
  const queues: FleetQueue[] = [{ taskQueue: options.taskQueue, activities }];
  if (nexusOptions && policy && metrics) {
    const handler = createProjectConnectorHandler({ policy, logger: log, metrics });
    queues.push({ taskQueue: nexusOptions.taskQueue, activities, nexusServices: [handler] });
  }
  const closers: Array<() => Promise<void>> = [];
  const closeAll = async () => {
    for (const close of closers.reverse()) await close().catch((error: unknown) => log.error({ err: error }));
  };
  try {
    if (policy) {
      await policy.start();
      closers.push(() => policy.stop());
    }
    const fleet = await createWorkerFleet({
      address: options.address,
      logger: log,
      workflowsPath: options.workflowsPath ?? fleetWorkflowsPath,
      queues,
      ...(options.workerOptions && { workerOptions: options.workerOptions }),
    });
    closers.push(() => fleet.shutdown());

    let projectNamespaces: string[] = [];
    const wanted = () => [...new Set([...options.namespaces, ...projectNamespaces])];
    const reloadProjects = async () => {
      if (!nexusOptions?.allProjects) return;
      projectNamespaces = (await loadProjectNamespaces(nexusOptions.database.db)).map((row) => row.temporal_namespace);
    };
    let projects: ChangeFeed | undefined;
    if (nexusOptions?.allProjects) {
      projects = createChangeFeed({
        database: nexusOptions.database,
        channel: policyChannels.projects,
        logger: log,
        reload: async () => {
          await reloadProjects();
          await fleet.sync(wanted());
        },
      });
      await projects.start();
      const feed = projects;
      closers.push(() => feed.stop());
    } else {
      await fleet.sync(wanted());
    }
    // Namespaces that could not start (not registered yet) are retried on this timer.
    const timer = setInterval(() => void fleet.sync(wanted()), options.resyncIntervalMs ?? 10_000);
    timer.unref();
    closers.push(async () => clearInterval(timer));

    let server: Server | undefined;
    if (metrics && nexusOptions?.metricsPort !== undefined) {
      server = await serveMetrics(metrics.registry, nexusOptions.metricsPort);
      const listening = server;
      closers.push(() => new Promise<void>((resolve) => listening.close(() => resolve())));
    }
    log.info({ namespaces: fleet.serving(), nexus: Boolean(nexusOptions) }, 'worker fleet running');
    let stopping: Promise<void> | undefined;
    return {
      fleet,
      policy,
      metrics,
      async refresh() {
        await reloadProjects();
        await fleet.sync(wanted());
      },
      shutdown() {
        stopping ??= closeAll();
        return stopping;
      },
    };
  } catch (error) {
    await closeAll();
    throw error;
  }
}
