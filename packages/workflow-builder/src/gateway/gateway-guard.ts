import type { FastifyReply, FastifyRequest } from 'fastify';
import type { KeyVerifier, VerifiedKey } from '../domain/api-keys/key-verifier.js';
import { matchPath, splitRequestPath } from '../domain/public-interfaces/route-path.js';
import { sendProblem } from '../http/problem.js';
import type { Metrics } from '../metrics/metrics.js';
import { parseGatewayUrl } from './gateway-request.js';
import { apiKeyHeader, keyBucket, keyRejection, sendRateLimited, setRateLimitHeaders } from './key-auth.js';
import type { RateBucket, RateLimiter } from './rate-limiter.js';
import type { Route, RouteTable } from './route-table.js';

/** What the guard established about a public call before its body is even read. */
export interface GatewayContext {
  key: VerifiedKey;
  route: Route;
  params: Record<string, string>;
}

declare module 'fastify' {
  interface FastifyRequest {
    gateway?: GatewayContext;
  }
}

export interface GatewayGuardDeps {
  verifier: KeyVerifier;
  routes: RouteTable;
  limiter: RateLimiter;
  metrics: Metrics;
  defaultKeyRateLimitPerMinute: number;
}

const noRoute = 'no public interface at this URL';

/**
 * `onRequest` for public calls, in the order that leaks nothing: an invalid key gets 401
 * whatever the URL; a valid key learns nothing about other projects' routes (404, the same
 * as an unknown hash); only a route of its own project can produce 403 (scope), 405 or 429.
 * Runs before body parsing, so rejected calls never cost a JSON parse.
 */
export function createGatewayGuard(deps: GatewayGuardDeps) {
  return async function gatewayGuard(request: FastifyRequest, reply: FastifyReply) {
    const candidate = apiKeyHeader(request);
    const verification = candidate ? await deps.verifier.verify(candidate) : ({ kind: 'malformed' } as const);
    if (verification.kind !== 'valid') {
      deps.metrics.keyVerification(verification.kind);
      return sendProblem(reply, 'UNAUTHORIZED', keyRejection);
    }
    const key = verification.key;

    const target = parseGatewayUrl(request.url);
    const route = target ? await deps.routes.resolve(target.hash) : undefined;
    if (!target || !route?.enabled || route.projectId !== key.projectId) {
      deps.metrics.keyVerification('valid');
      return sendProblem(reply, 'NOT_FOUND', noRoute);
    }
    const inScope = key.publicInterfaceId === null || key.publicInterfaceId === route.id;
    deps.metrics.keyVerification(inScope ? 'valid' : 'out_of_scope');
    if (!inScope) return sendProblem(reply, 'FORBIDDEN', 'this API key is scoped to another public interface');
    if (request.method !== route.method) {
      reply.header('Allow', route.method);
      return sendProblem(reply, 'METHOD_NOT_ALLOWED', `this interface accepts ${route.method}`);
    }
    const segments = splitRequestPath(target.rest);
    const params = segments ? matchPath(route.template, segments) : undefined;
    if (!params) return sendProblem(reply, 'NOT_FOUND', noRoute);

    const buckets: RateBucket[] = [keyBucket(key, deps.defaultKeyRateLimitPerMinute)];
    if (route.rateLimitPerMinute !== null) {
      buckets.push({ scope: 'interface', id: route.id, perMinute: route.rateLimitPerMinute });
    }
    const decision = deps.limiter.consume(buckets);
    setRateLimitHeaders(reply, decision);
    if (!decision.allowed) {
      deps.metrics.rateLimited(decision.scope);
      return sendRateLimited(reply, decision);
    }
    request.apiKey = key;
    request.gateway = { key, route, params };
  };
}
