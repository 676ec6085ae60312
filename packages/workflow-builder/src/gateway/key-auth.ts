import type { FastifyReply, FastifyRequest } from 'fastify';
import type { KeyVerification, KeyVerifier, VerifiedKey } from '../domain/api-keys/key-verifier.js';
import { sendProblem } from '../http/problem.js';
import { createRateLimiter, type RateBucket, type RateDecision, type RateLimiter } from './rate-limiter.js';

declare module 'fastify' {
  interface FastifyRequest {
    apiKey?: VerifiedKey;
  }
}

export interface KeyAuthOptions {
  verifier: KeyVerifier;
  defaultRateLimitPerMinute: number;
  /** Shared with the public gateway so a key has one budget across every /api/v1 route. */
  limiter?: RateLimiter;
  onVerification?: (kind: KeyVerificationOutcome) => void;
  onRateLimited?: (scope: RateBucket['scope']) => void;
  /** Failed verifications per client address per minute; default failedKeyVerificationsPerMinute. */
  failedVerificationsPerMinute?: number;
}

export const defaultKeyRateLimitPerMinute = 600;

/** What /metrics counts per key check: the verifier's verdict, or a valid key used outside its scope. */
export type KeyVerificationOutcome = KeyVerification['kind'] | 'out_of_scope';

/**
 * How many requests without a valid key one client address may make per minute before its
 * 401s become 429s. Only failures count, and the key is verified before the budget is looked
 * at, so a valid key is never refused for sharing an address (a NAT, a proxy without
 * trustProxy) with a client that keeps failing.
 */
export const failedKeyVerificationsPerMinute = 60;

/** Every key rejection is this same 401 body, so a caller cannot tell unknown from revoked or expired. */
export const keyRejection = 'a valid X-API-Key header is required';

export function apiKeyHeader(request: FastifyRequest): string | undefined {
  const header = request.headers['x-api-key'];
  return typeof header === 'string' && header.length > 0 ? header : undefined;
}

export function keyBucket(key: VerifiedKey, defaultPerMinute: number): RateBucket {
  return { scope: 'key', id: key.id, perMinute: key.rateLimitPerMinute ?? defaultPerMinute };
}

export function setRateLimitHeaders(reply: FastifyReply, decision: RateDecision): void {
  const resetSeconds = Math.max(1, Math.ceil(decision.resetMs / 1000));
  reply.header('RateLimit-Limit', decision.limit);
  reply.header('RateLimit-Remaining', decision.remaining);
  reply.header('RateLimit-Reset', resetSeconds);
  if (!decision.allowed) reply.header('Retry-After', resetSeconds);
}

const rateLimitMessages: Record<RateBucket['scope'], string> = {
  key: 'rate limit for this key exceeded',
  interface: 'rate limit for this interface exceeded',
  client: 'too many requests without a valid API key from this address',
};

/** The 429 body for a refused decision; the scope tells the caller which budget ran out. */
export function sendRateLimited(reply: FastifyReply, decision: RateDecision & { allowed: false }): FastifyReply {
  return sendProblem(reply, 'TOO_MANY_REQUESTS', rateLimitMessages[decision.scope], { scope: decision.scope });
}

export interface KeyRejectionOptions {
  limiter: RateLimiter;
  failedVerificationsPerMinute?: number | undefined;
  onRateLimited?: ((scope: RateBucket['scope']) => void) | undefined;
}

/**
 * The answer to a request whose key did not verify: the uniform 401, or a 429 once the
 * client address has used up its budget of failures.
 */
export function rejectKey(request: FastifyRequest, reply: FastifyReply, options: KeyRejectionOptions): FastifyReply {
  const perMinute = options.failedVerificationsPerMinute ?? failedKeyVerificationsPerMinute;
  const decision = options.limiter.consume([{ scope: 'client', id: request.ip, perMinute }]);
  if (decision.allowed) return sendProblem(reply, 'UNAUTHORIZED', keyRejection);
  setRateLimitHeaders(reply, decision);
  options.onRateLimited?.('client');
  return sendRateLimited(reply, decision);
}

/** What checking a request's key needs: the verifier, the shared limiter and the metrics hooks. */
export interface KeyCheck extends KeyRejectionOptions {
  verifier: KeyVerifier;
  defaultRateLimitPerMinute: number;
  onVerification?: ((kind: KeyVerificationOutcome) => void) | undefined;
}

/**
 * The one request key check for every key-authenticated route (/api/v1, OpenAPI, the
 * gateway, the connector proxy): X-API-Key header → verify → on failure the uniform 401
 * (429 once the client address fails too often) → charge the key's budget. Returns the key,
 * or `undefined` once it has answered the request. With `charge: false` the caller charges
 * and reports the verdict itself (the gateway charges key and interface atomically).
 */
export async function verifyRequestKey(
  request: FastifyRequest,
  reply: FastifyReply,
  check: KeyCheck,
  options: { charge: boolean } = { charge: true },
): Promise<VerifiedKey | undefined> {
  const candidate = apiKeyHeader(request);
  const verification = candidate ? await check.verifier.verify(candidate) : ({ kind: 'malformed' } as const);
  if (verification.kind !== 'valid') {
    check.onVerification?.(verification.kind);
    rejectKey(request, reply, check);
    return undefined;
  }
  const key = verification.key;
  if (!options.charge) return key;
  check.onVerification?.('valid');
  const decision = check.limiter.consume([keyBucket(key, check.defaultRateLimitPerMinute)]);
  setRateLimitHeaders(reply, decision);
  if (!decision.allowed) {
    check.onRateLimited?.('key');
    sendRateLimited(reply, decision);
    return undefined;
  }
  return key;
}

/** A key scoped to one public interface may call that interface only; an unscoped key, any of its project. */
export function keyInScope(key: VerifiedKey, publicInterfaceId: string): boolean {
  return key.publicInterfaceId === null || key.publicInterfaceId === publicInterfaceId;
}

/** `onRequest` hook for the foundation's /api/v1 routes (e.g. /whoami) and the proxy. */
export function createKeyAuthHook(options: KeyAuthOptions) {
  const check: KeyCheck = { ...options, limiter: options.limiter ?? createRateLimiter() };
  return async function keyAuth(request: FastifyRequest, reply: FastifyReply) {
    const key = await verifyRequestKey(request, reply, check);
    if (key) request.apiKey = key;
  };
}
