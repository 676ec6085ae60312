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
  onVerification?: (kind: KeyVerification['kind']) => void;
  onRateLimited?: (scope: RateBucket['scope']) => void;
  /** Failed verifications per client address per minute; default failedKeyVerificationsPerMinute. */
  failedVerificationsPerMinute?: number;
}

export const defaultKeyRateLimitPerMinute = 600;

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

/** `onRequest` hook for the foundation's /api/v1 routes (e.g. /whoami): verify, then the key's limit. */
export function createKeyAuthHook(options: KeyAuthOptions) {
  const limiter = options.limiter ?? createRateLimiter();
  return async function keyAuth(request: FastifyRequest, reply: FastifyReply) {
    const candidate = apiKeyHeader(request);
    const verification = candidate ? await options.verifier.verify(candidate) : ({ kind: 'malformed' } as const);
    options.onVerification?.(verification.kind);
    if (verification.kind !== 'valid') return rejectKey(request, reply, { ...options, limiter });
    const key = verification.key;
    const decision = limiter.consume([keyBucket(key, options.defaultRateLimitPerMinute)]);
    setRateLimitHeaders(reply, decision);
    if (!decision.allowed) {
      options.onRateLimited?.('key');
      return sendRateLimited(reply, decision);
    }
    request.apiKey = key;
  };
}
