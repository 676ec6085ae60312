import { createHash, timingSafeEqual } from 'node:crypto';
import { AppError } from '@wfb/core/errors.js';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { bearerToken } from '../auth/bearer.js';
import type { EgressCall } from '../domain/connectors/egress.js';
import { EgressFailure } from '../domain/connectors/egress-failure.js';
import { OAuthProviderError } from '../domain/connectors/oauth-failure.js';
import { sendProblem } from '../http/problem.js';
import type { Metrics } from '../metrics/metrics.js';
import type { Services } from '../services.js';
import type { EgressRouteSettings } from '../settings.js';

/**
 * `POST /internal/v1/egress`: the workers' HTTP steps (`http()`, `webhook()` activities) ask
 * the control plane to make their outbound call, so connector secrets stay here.
 *
 * Authentication is a workload credential, not a user's or a project key: the shared
 * WORKER_TOKEN as a bearer token. Only its SHA-256 is kept in memory and presented tokens
 * are compared digest to digest in constant time; no other route accepts it (they verify
 * JWTs or project keys). The call names the workflow's Temporal namespace and is bound to
 * the project that owns it. Request and response bodies travel base64-encoded in JSON.
 * Failures are problem bodies with `retryable` (and `connector` when one was named), which
 * the activity turns into retryable or non-retryable failures.
 */
export interface EgressPluginDeps {
  settings: EgressRouteSettings;
  services: Pick<Services, 'egress'>;
  metrics: Metrics;
}

export const egressPath = '/internal/v1/egress';

const egressBody = z.object({
  namespace: z.string().min(1).max(255),
  workflow: z
    .object({ id: z.string().max(1_000), runId: z.string().max(100), type: z.string().max(1_000) })
    .partial()
    .optional(),
  connector: z.string().min(1).max(200).optional(),
  url: z.string().min(1).max(8_192).optional(),
  method: z.string().regex(/^[A-Za-z]{1,16}$/),
  path: z.string().max(8_192).optional(),
  query: z.record(z.string(), z.union([z.string(), z.array(z.string())])).optional(),
  headers: z.record(z.string(), z.string()).optional(),
  body: z.base64().optional(),
  timeoutMs: z.number().int().min(100).max(300_000).optional(),
});

const digest = (value: string) => createHash('sha256').update(value).digest();

export function createEgressPlugins(deps: EgressPluginDeps): Array<(app: FastifyInstance) => Promise<void>> {
  const token = deps.settings.workerToken;
  if (!token) return [];
  const expected = digest(token);
  return [
    async (app) => {
      await app.register(async (egress) => {
        egress.addHook('onRequest', async (request, reply) => {
          const presented = bearerToken(request.headers.authorization);
          if (!presented || !timingSafeEqual(digest(presented), expected)) {
            return sendProblem(reply, 'UNAUTHORIZED', 'a valid worker token is required', { retryable: true });
          }
        });
        egress.post(egressPath, { bodyLimit: 8 * 1024 * 1024 }, async (request, reply) => {
          const parsed = egressBody.safeParse(request.body);
          if (!parsed.success) {
            return sendProblem(reply, 'BAD_REQUEST', `invalid egress request: ${parsed.error.issues[0]?.message}`, {
              retryable: false,
            });
          }
          const input = parsed.data;
          const call: EgressCall = {
            namespace: input.namespace,
            connector: input.connector,
            url: input.url,
            method: input.method.toUpperCase(),
            path: input.path,
            query: input.query,
            headers: input.headers,
            body: input.body === undefined ? undefined : Buffer.from(input.body, 'base64'),
            timeoutMs: input.timeoutMs,
          };
          const labels = { namespace: input.namespace, connector: input.connector ?? 'url' };
          const started = performance.now();
          const seconds = () => (performance.now() - started) / 1000;
          try {
            const { response, policy } = await deps.services.egress.call(call);
            deps.metrics.outboundCall({ ...labels, outcome: response.status }, seconds());
            return reply.code(200).send({
              status: response.status,
              headers: response.headers,
              body: response.body.toString('base64'),
              attempts: response.attempts,
              policy,
            });
          } catch (error) {
            deps.metrics.outboundCall(
              { ...labels, outcome: error instanceof AppError ? error.code : 'ERROR' },
              seconds(),
            );
            if (!(error instanceof EgressFailure) || error.code === 'INTERNAL') throw error;
            // Messages of connector and network failures name hosts and reasons, never secrets.
            request.log.warn(
              { code: error.code, connector: input.connector, workflowId: input.workflow?.id },
              `egress: ${error.message}`,
            );
            return sendProblem(reply, error.code, error.message, {
              ...error.details,
              retryable: error.retryable,
              policy: error.policy,
              ...(error.original instanceof OAuthProviderError && { tokenRequest: true }),
            });
          }
        });
      });
    },
  ];
}
