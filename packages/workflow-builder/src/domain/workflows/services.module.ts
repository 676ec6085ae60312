import { createSchemaCompiler } from '@wfb/core/interfaces/json-schema.js';
import { createPublicInterfaceService } from '../public-interfaces/public-interfaces.service.js';
import { createServiceInterfaceService } from '../service-interfaces/service-interfaces.service.js';
import { createWorkflowService } from './workflows.service.js';

/**
 * The services area as `createServices` spreads it: services (workflows), their interfaces
 * and the public interfaces that publish them.
 */
export function createServicesModule(deps: { publicBaseUrl: string; kongSync?: boolean }) {
  return {
    workflows: createWorkflowService(),
    serviceInterfaces: createServiceInterfaceService({ schemas: createSchemaCompiler({ cacheSize: 100 }) }),
    publicInterfaces: createPublicInterfaceService({
      publicBaseUrl: deps.publicBaseUrl,
      kongSync: deps.kongSync === true,
    }),
  };
}
