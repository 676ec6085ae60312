import { apiKeysRouter } from './domain/api-keys/api-keys.router.js';
import { auditRouter } from './domain/audit/audit.router.js';
import { connectorsRouter } from './domain/connectors/connectors.router.js';
import { projectConnectorsRouter } from './domain/project-connectors/project-connectors.router.js';
import { projectsRouter } from './domain/projects/projects.router.js';
import { publicInterfacesRouter } from './domain/public-interfaces/public-interfaces.router.js';
import { serviceInterfacesRouter } from './domain/service-interfaces/service-interfaces.router.js';
import { workflowsRouter } from './domain/workflows/workflows.router.js';
import { kongRouter } from './kong/kong.router.js';
import { router } from './trpc/trpc.js';

export const appRouter = router({
  projects: projectsRouter,
  apiKeys: apiKeysRouter,
  audit: auditRouter,
  connectors: connectorsRouter,
  workflows: workflowsRouter,
  serviceInterfaces: serviceInterfacesRouter,
  publicInterfaces: publicInterfacesRouter,
  kong: kongRouter,
  projectConnectors: projectConnectorsRouter,
});

export type AppRouter = typeof appRouter;
