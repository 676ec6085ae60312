import { AppError } from '@wfb/core/errors.js';
import type { AuthConfig } from './auth-config.js';

/**
 * Auth settings that name a destination: every key ending in "url" (any case) or named
 * "issuer", so settings added later count without a change here. The database applies the
 * same rule to direct SQL (migration 20261201000200_database_rules.sql).
 */
export function isOriginBearingSetting(key: string): boolean {
  return /url$/i.test(key) || key === 'issuer';
}

/**
 * The URLs whose origin (scheme, host, port) differs between two versions of a connector.
 * Each is a destination a stored credential is sent to: the base URL gets the API key,
 * token, password or access token, the token endpoint gets the client secret, the
 * authorization endpoint gets the user. A path change on the same origin is not listed.
 * A URL only the new type has is not listed: a type change already needs every secret of
 * the new type. A URL added to the same type (e.g. an issuer) is a move.
 */
export function changedOrigins(
  before: { baseUrl: string; config: AuthConfig },
  after: { baseUrl: string; config: AuthConfig },
): string[] {
  const changed: string[] = [];
  if (originOf(before.baseUrl) !== originOf(after.baseUrl)) changed.push('baseUrl');
  const from: Record<string, unknown> = before.config;
  const to: Record<string, unknown> = after.config;
  const sameType = before.config.type === after.config.type;
  for (const [field, next] of Object.entries(to)) {
    if (!isOriginBearingSetting(field) || typeof next !== 'string') continue;
    const previous = from[field];
    const moved = typeof previous === 'string' ? originOf(previous) !== originOf(next) : sameType;
    if (moved) changed.push(`auth.${field}`);
  }
  return changed;
}

function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    // validateConnectorUrls refuses it; until then the raw text stands for itself.
    return url;
  }
}

/** BAD_REQUEST naming every secret that must be supplied again because `moved` changed origin. */
export function secretsRequiredError(fields: readonly string[], moved: readonly string[]): AppError {
  const named = fields.map((field) => `auth.${field}`);
  return new AppError(
    'BAD_REQUEST',
    `${named.join(', ')} must be supplied again when ${moved.join(', ')} moves to another origin`,
    { details: { field: named[0], fields: named, originChanged: [...moved] } },
  );
}
