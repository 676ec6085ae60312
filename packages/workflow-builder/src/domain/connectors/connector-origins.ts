import { AppError } from '@wfb/core/errors.js';
import type { AuthConfig } from './auth-config.js';

/**
 * The URLs whose origin (scheme, host, port) differs between two versions of a connector.
 * Each is a destination a stored credential is sent to: the base URL gets the API key,
 * token, password or access token, the token endpoint gets the client secret, the
 * authorization endpoint gets the user, and the issuer, when it is discovered from, names
 * the host that says where the token endpoint is. A path change on the same origin is not
 * listed. Between two versions of the same type, a URL one side lacks counts as moved
 * (switching to or from discovery moves the endpoints); when the type changed, it does
 * not: a type change already needs every secret of the new type.
 */
export function changedOrigins(
  before: { baseUrl: string; config: AuthConfig },
  after: { baseUrl: string; config: AuthConfig },
): string[] {
  const changed: string[] = [];
  if (originOf(before.baseUrl) !== originOf(after.baseUrl)) changed.push('baseUrl');
  const sameType = before.config.type === after.config.type;
  const from = authOrigins(before.config);
  const to = authOrigins(after.config);
  for (const field of ['tokenUrl', 'authorizationUrl', 'issuer'] as const) {
    const previous = from[field];
    const next = to[field];
    if (previous === next) continue;
    if (sameType || (previous !== undefined && next !== undefined)) changed.push(`auth.${field}`);
  }
  return changed;
}

/** The issuer counts by the origin it defaults to (the authorization URL's), so stating it on the same host moves nothing. */
function authOrigins(config: AuthConfig): Partial<Record<'tokenUrl' | 'authorizationUrl' | 'issuer', string>> {
  if (config.type === 'oauth2_client_credentials') return { tokenUrl: originOf(config.tokenUrl) };
  if (config.type !== 'oauth2_authorization_code') return {};
  const issuer = config.issuer ?? config.authorizationUrl;
  return {
    ...(config.tokenUrl !== undefined && { tokenUrl: originOf(config.tokenUrl) }),
    ...(config.authorizationUrl !== undefined && { authorizationUrl: originOf(config.authorizationUrl) }),
    ...(issuer !== undefined && { issuer: originOf(issuer) }),
  };
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
