import { createApiKeyService } from './domain/api-keys/api-keys.service.js';
import type { KeyVerifier } from './domain/api-keys/key-verifier.js';
import { createProjectService, type NamespaceRegistrar } from './domain/projects/projects.service.js';

/** Every service the routers reach through `ctx.services`; built once in the composition root. */
export interface ServiceDeps {
  apiKeyPepper: string;
  apiKeyEnvironment: string;
  namespaces?: NamespaceRegistrar | undefined;
  clock?: () => Date;
}

export function createServices(deps: ServiceDeps) {
  return {
    projects: createProjectService({ namespaces: deps.namespaces }),
    apiKeys: createApiKeyService({
      pepper: deps.apiKeyPepper,
      environment: deps.apiKeyEnvironment,
      ...(deps.clock && { clock: deps.clock }),
    }),
  };
}

export type Services = ReturnType<typeof createServices>;
export type { KeyVerifier };
