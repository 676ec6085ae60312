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
}

export const defaultKeyRateLimitPerMinute = 600;

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

/** The 429 body for a refused decision; the scope tells the caller which budget ran out. */
export function sendRateLimited(reply: FastifyReply, decision: RateDecision & { allowed: false }): FastifyReply {
  const which = decision.scope === 'key' ? 'this key' : 'this interface';
  return sendProblem(reply, 'TOO_MANY_REQUESTS', `rate limit for ${which} exceeded`, { scope: decision.scope });
}

/** `onRequest` hook for the foundation's /api/v1 routes (e.g. /whoami): verify, then the key's limit. */
export function createKeyAuthHook(options: KeyAuthOptions) {
  const limiter = options.limiter ?? createRateLimiter();
  return async function keyAuth(request: FastifyRequest, reply: FastifyReply) {
    const candidate = apiKeyHeader(request);
    if (!candidate) {
      options.onVerification?.('malformed');
      return sendProblem(reply, 'UNAUTHORIZED', keyRejection);
    }
    const verification = await options.verifier.verify(candidate);
    options.onVerification?.(verification.kind);
    if (verification.kind !== 'valid') return sendProblem(reply, 'UNAUTHORIZED', keyRejection);
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
