import type { FastifyReply, FastifyRequest } from 'fastify';
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import type { KeyVerification, KeyVerifier, VerifiedKey } from '../domain/api-keys/key-verifier.js';
import { sendProblem } from '../http/problem.js';

declare module 'fastify' {
  interface FastifyRequest {
    apiKey?: VerifiedKey;
  }
}

export interface KeyAuthOptions {
  verifier: KeyVerifier;
  defaultRateLimitPerMinute: number;
  onVerification?: (kind: KeyVerification['kind']) => void;
  onRateLimited?: (scope: 'key' | 'interface') => void;
}

/**
 * One limiter per distinct per-minute budget (keys may each carry their own), each
 * keyed by key id. In-process: with several instances each enforces the budget on its
 * own; Kong's rate-limiting plugin bounds the total in front.
 */
export function createPerMinuteLimiters() {
  const limiters = new Map<number, RateLimiterMemory>();
  return {
    async consume(key: string, pointsPerMinute: number): Promise<RateLimitOutcome> {
      let limiter = limiters.get(pointsPerMinute);
      if (!limiter) {
        limiter = new RateLimiterMemory({ points: pointsPerMinute, duration: 60 });
        limiters.set(pointsPerMinute, limiter);
      }
      try {
        const result = await limiter.consume(key);
        return {
          allowed: true,
          limit: pointsPerMinute,
          remaining: result.remainingPoints,
          resetMs: result.msBeforeNext,
        };
      } catch (rejection) {
        if (!(rejection instanceof RateLimiterRes)) throw rejection;
        return { allowed: false, limit: pointsPerMinute, remaining: 0, resetMs: rejection.msBeforeNext };
      }
    },
  };
}

export interface RateLimitOutcome {
  allowed: boolean;
  limit: number;
  remaining: number;
  resetMs: number;
}

export function setRateLimitHeaders(reply: FastifyReply, outcome: RateLimitOutcome): void {
  const resetSeconds = Math.max(1, Math.ceil(outcome.resetMs / 1000));
  reply.header('RateLimit-Limit', outcome.limit);
  reply.header('RateLimit-Remaining', outcome.remaining);
  reply.header('RateLimit-Reset', resetSeconds);
  if (!outcome.allowed) reply.header('Retry-After', resetSeconds);
}

const rejection = 'a valid X-API-Key header is required';

/**
 * `onRequest` hook for /api/v1: every rejection is the same 401 body, so a caller cannot
 * tell an unknown key from a revoked or expired one.
 */
export function createKeyAuthHook(options: KeyAuthOptions) {
  const limiters = createPerMinuteLimiters();
  return async function keyAuth(request: FastifyRequest, reply: FastifyReply) {
    const header = request.headers['x-api-key'];
    const candidate = Array.isArray(header) ? undefined : header;
    if (!candidate) {
      options.onVerification?.('malformed');
      return sendProblem(reply, 'UNAUTHORIZED', rejection);
    }
    const verification = await options.verifier.verify(candidate);
    options.onVerification?.(verification.kind);
    if (verification.kind !== 'valid') return sendProblem(reply, 'UNAUTHORIZED', rejection);
    const key = verification.key;
    const outcome = await limiters.consume(key.id, key.rateLimitPerMinute ?? options.defaultRateLimitPerMinute);
    setRateLimitHeaders(reply, outcome);
    if (!outcome.allowed) {
      options.onRateLimited?.('key');
      return sendProblem(reply, 'TOO_MANY_REQUESTS', 'rate limit for this key exceeded');
    }
    request.apiKey = key;
  };
}
