import type { Database } from '@wfb/core/db/driver.js';
import { AppError } from '@wfb/core/errors.js';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { bearerToken } from '../auth/bearer.js';
import { type AuthUser, InvalidTokenError, type TokenVerifier } from '../auth/jwt.js';
import type { KeyVerifier } from '../domain/api-keys/key-verifier.js';
import { credentialAndFramingHeaders } from '../domain/connectors/authorized-fetch.js';
import {
  createKeyAuthHook,
  defaultKeyRateLimitPerMinute,
  type KeyAuthOptions,
  setRateLimitHeaders,
} from '../gateway/key-auth.js';
import { createRateLimiter } from '../gateway/rate-limiter.js';
import { sendProblem } from '../http/problem.js';
import type { Services } from '../services.js';
import type { ConnectorRouteSettings } from '../settings.js';

/**
 * HTTP routes of the connectors area, registered through buildServer's `plugins`:
 * - `GET /oauth/callback`: the provider sends the user's browser here; the outcome goes
 *   to OAUTH_RESULT_URL as `?status=&connectorId=&error=` (or is returned as JSON when
 *   no result page is configured). Logged at warn level only: its URL carries the code.
 * - `ANY /api/proxy/<connectorId>/<path>`: for clients that must never hold the secret.
 *   Authenticated by a project API key (X-API-Key, same checks as the public gateway and
 *   the same budget: the gateway's limiter is passed in) or a member's JWT, limited per
 *   user (CONNECTOR_PROXY_USER_RATE_PER_MINUTE); the connector must belong to that project.
 */
export interface ConnectorPluginDeps {
  settings: ConnectorRouteSettings;
  database: Database;
  services: Services;
  verifyToken: TokenVerifier;
  keyVerifier: KeyVerifier;
  /** `gateway.keyAuth`: one limiter for a key across /api/v1, the gateway and the proxy. */
  keyAuth?: Pick<KeyAuthOptions, 'limiter' | 'onVerification' | 'onRateLimited'>;
  defaultKeyRateLimitPerMinute?: number;
}

declare module 'fastify' {
  interface FastifyRequest {
    proxyUser?: AuthUser;
  }
}

const droppedRequestHeaders = new Set([
  ...credentialAndFramingHeaders,
  'accept-encoding',
  'forwarded',
  'x-forwarded-for',
  'x-forwarded-host',
  'x-forwarded-proto',
  'x-real-ip',
  'x-request-id',
]);
const droppedResponseHeaders = new Set([
  'connection',
  'keep-alive',
  'transfer-encoding',
  'content-length',
  'set-cookie',
  'trailer',
  'upgrade',
]);
const uuid = z.uuid();

export function createConnectorPlugins(deps: ConnectorPluginDeps): Array<(app: FastifyInstance) => Promise<void>> {
  return [async (app) => registerOAuthCallback(app, deps), async (app) => registerProxy(app, deps)];
}

async function registerOAuthCallback(app: FastifyInstance, deps: ConnectorPluginDeps) {
  app.get('/oauth/callback', { logLevel: 'warn' }, async (request, reply) => {
    const query = request.url.includes('?') ? request.url.slice(request.url.indexOf('?') + 1) : '';
    const result = await deps.services.oauthFlow.callback(new URLSearchParams(query));
    const resultUrl = deps.settings.oauthResultUrl;
    if (!resultUrl) return reply.code(result.status === 'success' ? 200 : 400).send(result);
    const target = new URL(resultUrl);
    target.searchParams.set('status', result.status);
    if (result.connectorId) target.searchParams.set('connectorId', result.connectorId);
    if (result.status === 'error') target.searchParams.set('error', result.code);
    if (result.status === 'error' && result.reason) target.searchParams.set('reason', result.reason);
    return reply.redirect(target.href, 303);
  });
}

async function registerProxy(app: FastifyInstance, deps: ConnectorPluginDeps) {
  await app.register(async (proxy) => {
    // Bodies pass through untouched, whatever their type.
    proxy.removeAllContentTypeParsers();
    proxy.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
    const keyAuth = createKeyAuthHook({
      verifier: deps.keyVerifier,
      defaultRateLimitPerMinute: deps.defaultKeyRateLimitPerMinute ?? defaultKeyRateLimitPerMinute,
      ...deps.keyAuth,
    });
    // Members get a limiter of their own, so a user's budget never shares an entry with a key's.
    // RateBucket has no 'user' scope: 'key' is only a label inside this instance, never shown.
    const userLimiter = createRateLimiter();
    const userPerMinute = deps.settings.proxyUserRatePerMinute;
    proxy.addHook('onRequest', async (request, reply) => {
      if (request.headers['x-api-key'] !== undefined) return keyAuth(request, reply);
      const token = bearerToken(request.headers.authorization);
      if (!token) return sendProblem(reply, 'UNAUTHORIZED', 'an X-API-Key header or a bearer token is required');
      let user: AuthUser;
      try {
        user = await deps.verifyToken(token);
      } catch (error) {
        if (error instanceof InvalidTokenError) return sendProblem(reply, 'UNAUTHORIZED', error.message);
        throw error;
      }
      const decision = userLimiter.consume([{ scope: 'key', id: user.id, perMinute: userPerMinute }]);
      setRateLimitHeaders(reply, decision);
      if (!decision.allowed) {
        return sendProblem(reply, 'TOO_MANY_REQUESTS', 'proxy rate limit for this user exceeded', { scope: 'user' });
      }
      request.proxyUser = user;
    });
    const handler = (request: FastifyRequest, reply: FastifyReply) => proxyRequest(deps, request, reply);
    proxy.all('/api/proxy/:connectorId', handler);
    proxy.all('/api/proxy/:connectorId/*', handler);
  });
}

async function proxyRequest(deps: ConnectorPluginDeps, request: FastifyRequest, reply: FastifyReply) {
  const { connectorId } = request.params as { connectorId: string };
  if (!uuid.safeParse(connectorId).success) throw new AppError('NOT_FOUND', 'connector not found');
  const caller = request.apiKey
    ? ({ kind: 'api_key', key: request.apiKey } as const)
    : request.proxyUser
      ? ({ kind: 'user', user: request.proxyUser } as const)
      : undefined;
  if (!caller) throw new AppError('UNAUTHORIZED', 'an X-API-Key header or a bearer token is required');
  const { projectId, actor } = await deps.services.connectorCalls.authorizeProxyCall(caller, connectorId);
  const prefix = `/api/proxy/${connectorId}`;
  const rest = request.url.slice(prefix.length);
  const path = rest === '' ? '/' : rest.startsWith('?') ? `/${rest}` : rest;
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (typeof value === 'string' && !droppedRequestHeaders.has(name)) headers[name] = value;
  }
  const body = Buffer.isBuffer(request.body) ? request.body : undefined;
  const response = await deps.services.connectorCalls.callForProject(actor, projectId, connectorId, {
    method: request.method,
    path,
    headers,
    ...(body && body.length > 0 && { body }),
  });
  for (const [name, value] of Object.entries(response.headers)) {
    if (!droppedResponseHeaders.has(name)) reply.header(name, value);
  }
  return reply.code(response.status).send(response.body);
}
