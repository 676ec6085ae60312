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
 * authorization endpoint gets the user, and the issuer, when it is discovered from, names
 * the host that says where the token endpoint is. A path change on the same origin is not
 * listed, nor a destination that was removed. A destination only the new type has is not
 * listed: a type change already needs every secret of the new type; one added to the same
 * type (e.g. switching to or from discovery) is a move. The database applies the same rule.
 */
export function changedOrigins(
  before: { baseUrl: string; config: AuthConfig },
  after: { baseUrl: string; config: AuthConfig },
): string[] {
  const changed: string[] = [];
  if (originOf(before.baseUrl) !== originOf(after.baseUrl)) changed.push('baseUrl');
  const sameType = before.config.type === after.config.type;
  const from = authOrigins(before.config);
  for (const [field, next] of Object.entries(authOrigins(after.config))) {
    const previous = from[field];
    if (previous === next) continue;
    if (previous !== undefined || sameType) changed.push(`auth.${field}`);
  }
  return changed;
}

/**
 * The origin of every destination setting. An authorization-code connector's issuer
 * defaults to its authorization URL's origin, so stating it on that host moves nothing.
 */
function authOrigins(config: AuthConfig): Record<string, string> {
  const origins: Record<string, string> = {};
  for (const [field, value] of Object.entries(config)) {
    if (isOriginBearingSetting(field) && typeof value === 'string') origins[field] = originOf(value);
  }
  const defaultIssuer = origins.authorizationUrl;
  if (config.type === 'oauth2_authorization_code' && defaultIssuer !== undefined) origins.issuer ??= defaultIssuer;
  return origins;
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
