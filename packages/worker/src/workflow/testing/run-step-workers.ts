import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Logger } from '@wfb/core/logger.js';
import { type RunningWorkers, runWorkers } from '../../run-workers.js';
import type { ControlPlaneConfig } from '../egress-client.js';
import { createHttpActivities } from '../http-activities.js';

export const stepWorkflowsPath = fileURLToPath(
  new URL(`./step-workflows${extname(fileURLToPath(import.meta.url))}`, import.meta.url),
);

/** Workers for the HTTP step tests and bench: the probe workflows and the HTTP activity. */
export function runStepWorkers(options: {
  address: string;
  namespace: string;
  taskQueue: string;
  logger: Logger;
  controlPlane: ControlPlaneConfig | undefined;
  extraActivities?: Record<string, (...args: never[]) => Promise<unknown>>;
}): Promise<RunningWorkers> {
  return runWorkers({
    address: options.address,
    namespaces: [options.namespace],
    taskQueue: options.taskQueue,
    logger: options.logger,
    workflowsPath: stepWorkflowsPath,
    activities: { ...createHttpActivities({ controlPlane: options.controlPlane }), ...options.extraActivities },
  });
}
