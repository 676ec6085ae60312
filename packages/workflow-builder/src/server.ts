import { type FastifyTRPCPluginOptions, fastifyTRPCPlugin } from '@trpc/server/adapters/fastify';
import type { Database } from '@wfb/core/db/driver.js';
import { AppError } from '@wfb/core/errors.js';
import type { Logger } from '@wfb/core/logger.js';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyRequest } from 'fastify';
import { type AppRouter, appRouter } from './app-router.js';
import { bearerToken } from './auth/bearer.js';
import { InvalidTokenError, type TokenVerifier } from './auth/jwt.js';
import type { KeyVerifier } from './domain/api-keys/key-verifier.js';
import { createKeyAuthHook, type KeyAuthOptions } from './gateway/key-auth.js';
import { createClientErrorHandler, replyToFrameworkError } from './http/client-error.js';
import { replyWithError } from './http/error-reply.js';
import { sendProblem } from './http/problem.js';
import { requestIdFor } from './http/request-id.js';
import { RequestLogController } from './http/request-log.js';
import type { Services } from './services.js';
import type { AppContext } from './trpc/trpc.js';

export interface ReadinessCheck {
  name: string;
  check: () => Promise<void>;
  /** Reported, but a failure does not make the instance unready (Kong: the API serves without it). */
  optional?: boolean;
  /** Switched off by configuration: reported as ok and disabled, never run. */
  disabled?: boolean;
}

export interface ServerDeps {
  logger: Logger;
  database: Database;
  services: Services;
  verifyToken: TokenVerifier;
  keyVerifier: KeyVerifier;
  readiness: ReadinessCheck[];
  defaultKeyRateLimitPerMinute?: number;
  /** Shared limiter and metrics callbacks, so /api/v1 routes and the public gateway agree on a key's budget. */
  keyAuth?: Pick<KeyAuthOptions, 'limiter' | 'onVerification' | 'onRateLimited'>;
  bodyLimitBytes?: number;
  trustProxy?: boolean | string[];
  /** One info line per completed request (ACCESS_LOG); errors are logged either way. */
  accessLog?: boolean;
  /** Further routes (public gateway, OAuth callback …) registered by later modules. */
  plugins?: Array<(app: FastifyInstance) => Promise<void>>;
}

async function userFromRequest(request: FastifyRequest, verifyToken: TokenVerifier) {
  const token = bearerToken(request.headers.authorization || undefined);
  if (token === undefined) return { user: undefined, authError: undefined };
  if (token === null) return { user: undefined, authError: 'authorization header must be "Bearer <token>"' };
  try {
    return { user: await verifyToken(token), authError: undefined };
  } catch (error) {
    if (error instanceof InvalidTokenError) return { user: undefined, authError: error.message };
    throw error;
  }
}

export async function buildServer(deps: ServerDeps): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: deps.logger as FastifyBaseLogger,
    genReqId: requestIdFor,
    logController: new RequestLogController({ accessLog: deps.accessLog ?? false }),
    bodyLimit: deps.bodyLimitBytes ?? 1024 * 1024,
    trustProxy: deps.trustProxy ?? false,
    forceCloseConnections: 'idle',
    clientErrorHandler: createClientErrorHandler(deps.logger as FastifyBaseLogger),
    frameworkErrors: replyToFrameworkError,
  });

  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });

  // Once shutdown starts, every answer closes its connection: a keep-alive client whose
  // request was in flight would otherwise hold the server open until its idle timeout.
  // Connections idle at that moment are closed by Fastify itself (forceCloseConnections).
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.addHook('onSend', async (_request, reply, payload) => {
    if (closing) reply.header('connection', 'close');
    return payload;
  });

  app.setErrorHandler(replyWithError);

  app.setNotFoundHandler((request, reply) =>
    sendProblem(reply, 'NOT_FOUND', `no route for ${request.method} ${request.url.split('?')[0]}`),
  );

  app.get('/healthz', async () => ({ status: 'ok' }));

  // Public: says which part is down, never why (hostnames, auth errors go to the log).
  app.get('/readyz', async (request, reply) => {
    const results = await Promise.all(
      deps.readiness.map(async ({ name, check, optional, disabled }) => {
        const flags = { ...(optional && { optional: true }), ...(disabled && { disabled: true }) };
        if (disabled) return { name, ok: true, ...flags };
        try {
          await check();
          return { name, ok: true, ...flags };
        } catch (error) {
          request.log.warn({ err: error, check: name }, 'readiness check failed');
          return { name, ok: false, ...flags };
        }
      }),
    );
    const ready = results.every((result) => result.ok || result.optional === true);
    return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not ready', checks: results });
  });

  await app.register(fastifyTRPCPlugin, {
    prefix: '/trpc',
    trpcOptions: {
      router: appRouter,
      // 429 and 503 (the database is down) tell the client when to try again, as REST does.
      responseMeta({ errors }) {
        const retryAfter = errors
          .map((error) => error.cause)
          .find((cause): cause is AppError => cause instanceof AppError && cause.retryAfterSeconds !== undefined);
        return retryAfter ? { headers: new Headers({ 'retry-after': String(retryAfter.retryAfterSeconds) }) } : {};
      },
      async createContext({ req }): Promise<AppContext> {
        const { user, authError } = await userFromRequest(req, deps.verifyToken);
        return {
          requestId: req.id,
          logger: req.log,
          database: deps.database,
          services: deps.services,
          keyVerifier: deps.keyVerifier,
          user,
          authError,
        };
      },
    },
  } satisfies FastifyTRPCPluginOptions<AppRouter>);

  await app.register(
    async (api) => {
      api.addHook(
        'onRequest',
        createKeyAuthHook({
          verifier: deps.keyVerifier,
          defaultRateLimitPerMinute: deps.defaultKeyRateLimitPerMinute ?? 600,
          ...deps.keyAuth,
        }),
      );
      api.get('/whoami', async (request) => {
        const key = request.apiKey;
        if (!key) throw new AppError('UNAUTHORIZED', 'a valid X-API-Key header is required');
        return {
          project: { id: key.projectId, slug: key.projectSlug },
          key: { id: key.id, name: key.name, publicInterfaceId: key.publicInterfaceId },
        };
      });
    },
    { prefix: '/api/v1' },
  );

  for (const plugin of deps.plugins ?? []) await app.register(plugin);
  return app;
}
