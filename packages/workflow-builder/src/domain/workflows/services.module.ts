import { createSchemaCompiler } from '@wfb/core/interfaces/json-schema.js';
import type { Env } from '../../env.js';
import { createPublicInterfaceService } from '../public-interfaces/public-interfaces.service.js';
import { createServiceInterfaceService } from '../service-interfaces/service-interfaces.service.js';
import { createWorkflowService } from './workflows.service.js';

/**
 * The services area as `createServices` spreads it: services (workflows), their interfaces
 * and the public interfaces that publish them.
 */
export function publicBaseUrlOf(env: Env): string {
  if (env.PUBLIC_BASE_URL) return env.PUBLIC_BASE_URL.replace(/\/+$/, '');
  const host = env.HOST === '0.0.0.0' || env.HOST === '::' ? '127.0.0.1' : env.HOST;
  return `http://${host.includes(':') ? `[${host}]` : host}:${env.PORT}`;
}

export function createServicesModule(deps: { env: Env }) {
  return {
    workflows: createWorkflowService(),
    serviceInterfaces: createServiceInterfaceService({ schemas: createSchemaCompiler({ cacheSize: 100 }) }),
    publicInterfaces: createPublicInterfaceService({ publicBaseUrl: publicBaseUrlOf(deps.env) }),
  };
}
