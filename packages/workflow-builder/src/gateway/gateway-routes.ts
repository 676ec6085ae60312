import { AppError } from '@wfb/core/errors.js';
import { validationProblems } from '@wfb/core/interfaces/json-schema.js';
import { requestFingerprint, workflowIdFor } from '@wfb/core/interfaces/workflow-id.js';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { replyWithError } from '../http/error-reply.js';
import type { Metrics } from '../metrics/metrics.js';
import { createGatewayGuard, type GatewayGuardDeps } from './gateway-guard.js';
import { readIdempotencyKey, readInput } from './gateway-request.js';
import type { IdempotencyKeys } from './idempotency-keys.js';
import { createOpenApiRoute } from './openapi-route.js';
import type { TemporalInvoker } from './temporal-invoker.js';

/**
 * `ANY /api/v1/<hash>/<path>`: guard (key → route → scope → method → path → limits), then
 * body → schema validation → one Temporal call → JSON. Registered beside the foundation's
 * /api/v1 routes; its static routes (/whoami, /openapi/…) win over the `:hash` parameter.
 */
export interface GatewayRoutesDeps extends GatewayGuardDeps {
  invoker: TemporalInvoker;
  idempotencyKeys: Pick<IdempotencyKeys, 'claim'>;
  metrics: Metrics;
  bodyLimitBytes: number;
  publicBaseUrl: string;
}

const methods = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;

export function createGatewayRoutes(deps: GatewayRoutesDeps) {
  const guard = createGatewayGuard(deps);

  async function invoke(request: FastifyRequest, reply: FastifyReply) {
    const context = request.gateway;
    if (!context) throw new AppError('INTERNAL', 'gateway guard did not run');
    const { route, params } = context;
    if (route.broken) throw new AppError('INTERNAL', `interface cannot serve calls: ${route.broken}`);
    const input = readInput(request, route);
    if (route.validate && !route.validate(input)) {
      throw new AppError('BAD_REQUEST', 'the request does not match the input schema of this interface', {
        details: { errors: validationProblems(route.validate.errors) },
      });
    }
    const idempotencyKey = readIdempotencyKey(request, route);
    const workflowId = workflowIdFor(route, params, idempotencyKey);
    // Only a call with the header pays for the fingerprint and the database round trip.
    const fingerprint = idempotencyKey ? requestFingerprint(route, workflowId, input) : undefined;
    if (idempotencyKey && fingerprint) await deps.idempotencyKeys.claim(route.id, idempotencyKey, fingerprint);
    const outcome = await deps.invoker.invoke({
      namespace: route.namespace,
      type: route.type,
      workflowId,
      callableName: route.callableName,
      workflowType: route.workflowType,
      taskQueue: route.taskQueue,
      input,
      idempotencyKey,
      requestFingerprint: fingerprint,
      checkWorkflowType: route.workflowIdParam !== null,
    });
    return reply.code(outcome.status).send(outcome.body);
  }

  return async function gatewayRoutes(app: FastifyInstance): Promise<void> {
    app.setErrorHandler(replyWithError);
    // Clients often send Content-Type: application/json with no body on calls that take no input.
    const parseJson = app.getDefaultJsonParser('error', 'error');
    app.removeContentTypeParser('application/json');
    app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
      const text = typeof body === 'string' ? body : body.toString('utf8');
      if (text === '') done(null, undefined);
      else parseJson(request, text, done);
    });
    app.addHook('onResponse', async (request, reply) => {
      const route = request.gateway?.route;
      deps.metrics.gatewayResponse(
        {
          project: route?.projectSlug ?? 'none',
          interface: route?.id ?? 'none',
          type: route?.type ?? 'none',
          status: reply.statusCode,
        },
        reply.elapsedTime / 1000,
      );
    });
    await app.register(createOpenApiRoute(deps));
    for (const url of ['/api/v1/:hash', '/api/v1/:hash/*']) {
      app.route({
        method: [...methods],
        url,
        bodyLimit: deps.bodyLimitBytes,
        exposeHeadRoute: false,
        onRequest: guard,
        handler: invoke,
      });
    }
  };
}
