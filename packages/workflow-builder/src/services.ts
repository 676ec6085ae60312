import type { Database } from '@wfb/core/db/driver.js';
import type { Logger } from '@wfb/core/logger.js';
import type { KeyRing } from './crypto/key-ring.js';
import { createApiKeyService } from './domain/api-keys/api-keys.service.js';
import type { KeyVerifier } from './domain/api-keys/key-verifier.js';
import { createConnectorModule } from './domain/connectors/connectors.module.js';
import { createProjectConnectorService } from './domain/project-connectors/project-connectors.service.js';
import { createProjectService, type NamespaceRegistrar } from './domain/projects/projects.service.js';
import { createServicesModule } from './domain/workflows/services.module.js';
import { createKongService } from './kong/kong.service.js';
import type { KongController } from './kong/kong-controller.js';
import { createConnectorPinger } from './nexus/connector-ping.js';
import type { ServiceSettings } from './settings.js';
import type { TemporalClients } from './temporal/temporal-clients.js';

/** Every service the routers reach through `ctx.services`; built once in the composition root. */
export interface ServiceDeps {
  settings: ServiceSettings;
  logger: Logger;
  database: Database;
  temporal: TemporalClients | undefined;
  apiKeyPepper: string;
  apiKeyEnvironment: string;
  namespaces?: NamespaceRegistrar | undefined;
  clock?: () => Date;
  /** Key ring for connector credentials (resolveKeyRing in domain/connectors/encryption-keys.ts). */
  keyRing: KeyRing;
  /** The Kong controller, when KONG_ADMIN_URL is set, and who may operate it. */
  kong?: { controller: KongController | undefined; operatorUserIds: readonly string[] };
}

export function createServices(deps: ServiceDeps) {
  return {
    projects: createProjectService({
      database: deps.database,
      namespaces: deps.namespaces,
      namespacePrefix: deps.settings.namespacePrefix,
      allowedNamespaces: deps.settings.allowedNamespaces,
    }),
    apiKeys: createApiKeyService({
      pepper: deps.apiKeyPepper,
      environment: deps.apiKeyEnvironment,
      ...(deps.clock && { clock: deps.clock }),
    }),
    ...createConnectorModule({
      settings: deps.settings.connectors,
      logger: deps.logger,
      database: deps.database,
      keyRing: deps.keyRing,
      ...(deps.clock && { clock: deps.clock }),
    }),
    ...createServicesModule({
      publicBaseUrl: deps.settings.publicBaseUrl,
      kongSync: deps.kong?.controller !== undefined,
    }),
    kong: createKongService({
      controller: deps.kong?.controller,
      operatorUserIds: deps.kong?.operatorUserIds ?? [],
      database: deps.database,
    }),
    projectConnectors: createProjectConnectorService({
      database: deps.database,
      pinger:
        deps.temporal &&
        createConnectorPinger({
          temporal: deps.temporal,
          taskQueue: deps.settings.nexus.taskQueue,
          timeoutMs: deps.settings.nexus.testTimeoutMs,
        }),
    }),
  };
}

export type Services = ReturnType<typeof createServices>;
export type { KeyVerifier };
