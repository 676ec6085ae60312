import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';

// Same extension as this module, so it works from .ts under tsx/vitest and from built .js.
export const nexusTestWorkflowsPath = fileURLToPath(
  new URL(`./test-workflows${extname(fileURLToPath(import.meta.url))}`, import.meta.url),
);
