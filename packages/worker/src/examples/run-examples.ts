import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type RunningWorkers, type RunWorkersOptions, runWorkers } from '../run-workers.js';
import type { ControlPlaneConfig } from '../workflow/egress-client.js';
import { createHttpActivities } from '../workflow/http-activities.js';
import { createExampleActivities } from './activities.js';

// Same extension as this module, so it works from .ts under tsx/vitest and from built .js.
export const exampleWorkflowsPath = fileURLToPath(
  new URL(`./workflows${extname(fileURLToPath(import.meta.url))}`, import.meta.url),
);

/**
 * The example services (orders, greeter, connector demo) as one caller of runWorkers.
 * `controlPlane` (CONTROL_PLANE_URL + WORKER_TOKEN) is where HTTP steps make their calls.
 */
export function runExampleWorkers(
  options: Omit<RunWorkersOptions, 'workflowsPath' | 'activities'> & { controlPlane?: ControlPlaneConfig | undefined },
): Promise<RunningWorkers> {
  const { controlPlane, ...rest } = options;
  return runWorkers({
    ...rest,
    workflowsPath: exampleWorkflowsPath,
    activities: { ...createExampleActivities(), ...createHttpActivities({ controlPlane }) },
  });
}
