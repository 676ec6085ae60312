import { AppError } from '@wfb/core/errors.js';
import type { FastifyInstance } from 'fastify';
import { buildOpenApiDocument } from '../domain/public-interfaces/openapi-document.js';
import type { GatewayGuardDeps } from './gateway-guard.js';
import { keyCheckOf } from './gateway-guard.js';
import { verifyRequestKey } from './key-auth.js';

/**
 * `GET /api/v1/openapi/<projectSlug>.json` for holders of that project's key, built from the
 * in-memory route table (no database round trip). A key scoped to one interface sees that
 * interface only; another project's slug is a 404, like every cross-tenant lookup.
 */
export function createOpenApiRoute(deps: GatewayGuardDeps & { publicBaseUrl: string }) {
  return async function openApiRoute(app: FastifyInstance): Promise<void> {
    app.get<{ Params: { file: string } }>('/api/v1/openapi/:file', async (request, reply) => {
      const key = await verifyRequestKey(request, reply, keyCheckOf(deps));
      if (!key) return reply;
      if (request.params.file !== `${key.projectSlug}.json`) throw new AppError('NOT_FOUND', 'no such document');
      const routes = deps.routes
        .routesOfProject(key.projectId)
        .filter((route) => route.enabled && (key.publicInterfaceId === null || key.publicInterfaceId === route.id));
      const document = buildOpenApiDocument({
        project: { slug: key.projectSlug, name: routes[0]?.row.project_name ?? key.projectSlug },
        baseUrl: deps.publicBaseUrl,
        routes: routes.map((route) => route.row),
      });
      return reply.type('application/json').send(document);
    });
  };
}
