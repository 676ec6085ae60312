import type { FastifyReply, FastifyRequest } from 'fastify';
import type { KeyVerifier, VerifiedKey } from '../domain/api-keys/key-verifier.js';
import { matchPath, splitRequestPath } from '../domain/public-interfaces/route-path.js';
import { sendProblem } from '../http/problem.js';
import type { Metrics } from '../metrics/metrics.js';
import { parseGatewayUrl } from './gateway-request.js';
import {
  type KeyCheck,
  keyBucket,
  keyInScope,
  sendRateLimited,
  setRateLimitHeaders,
  verifyRequestKey,
} from './key-auth.js';
import type { RateBucket, RateDecision, RateLimiter } from './rate-limiter.js';
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
  routes: Pick<RouteTable, 'cached' | 'resolve' | 'routesOfProject'>;
  limiter: RateLimiter;
  metrics: Metrics;
  defaultKeyRateLimitPerMinute: number;
  /** Failed key verifications per client address per minute before 401 turns into 429. */
  failedVerificationsPerMinute?: number;
}

const noRoute = 'no public interface at this URL';

function isRouteOf(route: Route | undefined, key: VerifiedKey): route is Route {
  return route?.enabled === true && route.projectId === key.projectId;
}

/** The decision whose headers the caller should see: the one with the least left. */
function tighter(first: RateDecision, second: RateDecision): RateDecision {
  return second.remaining < first.remaining ? second : first;
}

/**
 * `onRequest` for public calls, in the order that leaks nothing: an invalid key gets 401
 * whatever the URL (429 once its address fails too often); a valid key learns nothing about
 * other projects' routes (404, the same as an unknown hash); only a route of its own project
 * can produce 403 (scope), 405 or 429. Runs before body parsing, so rejected calls never cost
 * a JSON parse.
 *
 * Budgets: a call to a route of the key's project that memory knows is charged atomically to
 * the key and the interface. Any other call is charged to the key *before* the route table
 * may ask the database about its hash, so a key holder sending random hashes spends its own
 * quota, not database round trips; charging every such 404 alike keeps the headers from
 * telling a foreign hash from an unknown one.
 */
/** The key check of gateway routes: the gateway's limiter, budgets and metrics. */
export function keyCheckOf(deps: GatewayGuardDeps): KeyCheck {
  return {
    verifier: deps.verifier,
    limiter: deps.limiter,
    defaultRateLimitPerMinute: deps.defaultKeyRateLimitPerMinute,
    failedVerificationsPerMinute: deps.failedVerificationsPerMinute,
    onVerification: (kind) => deps.metrics.keyVerification(kind),
    onRateLimited: (scope) => deps.metrics.rateLimited(scope),
  };
}

export function createGatewayGuard(deps: GatewayGuardDeps) {
  const onRateLimited = (scope: RateBucket['scope']) => deps.metrics.rateLimited(scope);

  const check = keyCheckOf(deps);

  return async function gatewayGuard(request: FastifyRequest, reply: FastifyReply) {
    const key = await verifyRequestKey(request, reply, check, { charge: false });
    if (!key) return reply;
    const budget = keyBucket(key, deps.defaultKeyRateLimitPerMinute);

    const target = parseGatewayUrl(request.url);
    let route = target ? deps.routes.cached(target.hash) : undefined;
    let charged: RateDecision | undefined;
    if (!isRouteOf(route, key)) {
      charged = deps.limiter.consume([budget]);
      setRateLimitHeaders(reply, charged);
      if (!charged.allowed) {
        deps.metrics.keyVerification('valid');
        onRateLimited(charged.scope);
        return sendRateLimited(reply, charged);
      }
      if (!route && target) route = await deps.routes.resolve(target.hash);
    }
    if (!target || !isRouteOf(route, key)) {
      deps.metrics.keyVerification('valid');
      return sendProblem(reply, 'NOT_FOUND', noRoute);
    }
    const inScope = keyInScope(key, route.id);
    deps.metrics.keyVerification(inScope ? 'valid' : 'out_of_scope');
    if (!inScope) return sendProblem(reply, 'FORBIDDEN', 'this API key is scoped to another public interface');
    if (request.method !== route.method) {
      reply.header('Allow', route.method);
      return sendProblem(reply, 'METHOD_NOT_ALLOWED', `this interface accepts ${route.method}`);
    }
    const segments = splitRequestPath(target.rest);
    const params = segments ? matchPath(route.template, segments) : undefined;
    if (!params) return sendProblem(reply, 'NOT_FOUND', noRoute);

    const buckets: RateBucket[] = charged ? [] : [budget];
    if (route.rateLimitPerMinute !== null) {
      buckets.push({ scope: 'interface', id: route.id, perMinute: route.rateLimitPerMinute });
    }
    if (buckets.length > 0) {
      const decision = deps.limiter.consume(buckets);
      setRateLimitHeaders(reply, charged && decision.allowed ? tighter(charged, decision) : decision);
      if (!decision.allowed) {
        onRateLimited(decision.scope);
        return sendRateLimited(reply, decision);
      }
    }
    request.apiKey = key;
    request.gateway = { key, route, params };
  };
}
