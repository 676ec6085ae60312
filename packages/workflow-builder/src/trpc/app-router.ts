import { apiKeysRouter } from '../domain/api-keys/api-keys.router.js';
import { auditRouter } from '../domain/audit/audit.router.js';
import { projectsRouter } from '../domain/projects/projects.router.js';
import { router } from './trpc.js';

export const appRouter = router({
  projects: projectsRouter,
  apiKeys: apiKeysRouter,
  audit: auditRouter,
});

export type AppRouter = typeof appRouter;
