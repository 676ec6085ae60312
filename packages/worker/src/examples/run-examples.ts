import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type RunningWorkers, type RunWorkersOptions, runWorkers } from '../run-workers.js';
import { createExampleActivities } from './activities.js';

// Same extension as this module, so it works from .ts under tsx/vitest and from built .js.
export const exampleWorkflowsPath = fileURLToPath(
  new URL(`./workflows${extname(fileURLToPath(import.meta.url))}`, import.meta.url),
);

/** The example services (orders, greeter) as one caller of runWorkers. */
export function runExampleWorkers(
  options: Omit<RunWorkersOptions, 'workflowsPath' | 'activities'>,
): Promise<RunningWorkers> {
  return runWorkers({ ...options, workflowsPath: exampleWorkflowsPath, activities: createExampleActivities() });
}
