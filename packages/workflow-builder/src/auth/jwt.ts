import { createRemoteJWKSet, type JWTPayload, errors as joseErrors, jwtVerify, SignJWT } from 'jose';
import { z } from 'zod';
import type { JwtClaims } from '../db/tx.js';

/**
 * Verifies Supabase Auth access tokens with `jose`: HS256 against the project's JWT
 * secret, or asymmetric keys from the project's JWKS (fetched once, cached, refreshed on
 * unknown `kid`). jose verifies locally with no round trip to the Auth server, which
 * supabase-js `getClaims` would make for symmetric keys.
 */
export interface AuthUser {
  id: string;
  email: string | undefined;
  claims: JwtClaims;
}

export type TokenVerifier = (token: string) => Promise<AuthUser>;

export class InvalidTokenError extends Error {
  override name = 'InvalidTokenError';
}

const subject = z.uuid();

export interface VerifierOptions {
  secret?: string | undefined;
  supabaseUrl?: string | undefined;
  audience: string;
}

export function createTokenVerifier(options: VerifierOptions): TokenVerifier {
  const verifyKey = options.secret
    ? new TextEncoder().encode(options.secret)
    : options.supabaseUrl
      ? createRemoteJWKSet(new URL('/auth/v1/.well-known/jwks.json', options.supabaseUrl))
      : undefined;
  if (!verifyKey) throw new Error('SUPABASE_JWT_SECRET or SUPABASE_URL is required to verify tokens');
  const algorithms = options.secret ? ['HS256'] : ['RS256', 'ES256', 'EdDSA'];

  return async (token) => {
    let payload: JWTPayload;
    try {
      const result =
        verifyKey instanceof Uint8Array
          ? await jwtVerify(token, verifyKey, {
              algorithms,
              audience: options.audience,
              requiredClaims: ['exp', 'sub'],
            })
          : await jwtVerify(token, verifyKey, {
              algorithms,
              audience: options.audience,
              requiredClaims: ['exp', 'sub'],
            });
      payload = result.payload;
    } catch (error) {
      if (error instanceof joseErrors.JOSEError) throw new InvalidTokenError(describeJoseError(error));
      throw error;
    }
    const parsedSubject = subject.safeParse(payload.sub);
    if (!parsedSubject.success) throw new InvalidTokenError('token subject is not a user id');
    return {
      id: parsedSubject.data,
      email: typeof payload.email === 'string' ? payload.email : undefined,
      claims: { ...payload, sub: parsedSubject.data },
    };
  };
}

function describeJoseError(error: InstanceType<typeof joseErrors.JOSEError>): string {
  if (error instanceof joseErrors.JWTExpired) return 'token expired';
  if (error instanceof joseErrors.JWTClaimValidationFailed) return `token claim "${error.claim}" is invalid`;
  return 'token signature or format is invalid';
}

/** Mints a Supabase-shaped access token (dev CLI and tests). */
export async function mintToken(options: {
  secret: string;
  userId: string;
  email?: string;
  audience?: string;
  expiresInSeconds?: number;
}): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ role: 'authenticated', email: options.email, aal: 'aal1' })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(options.userId)
    .setAudience(options.audience ?? 'authenticated')
    .setIssuedAt(now)
    .setExpirationTime(now + (options.expiresInSeconds ?? 3600))
    .sign(new TextEncoder().encode(options.secret));
}
