import { AppError } from '@wfb/core/errors.js';
import type { AuthConfig } from './auth-config.js';

/**
 * The URLs whose origin (scheme, host, port) differs between two versions of a connector.
 * Each is a destination a stored credential is sent to: the base URL gets the API key,
 * token, password or access token, the token endpoint gets the client secret, the
 * authorization endpoint gets the user. A path change on the same origin is not listed.
 * A URL only one side has (the type changed) is not listed: a type change already needs
 * every secret of the new type.
 */
export function changedOrigins(
  before: { baseUrl: string; config: AuthConfig },
  after: { baseUrl: string; config: AuthConfig },
): string[] {
  const changed: string[] = [];
  if (originOf(before.baseUrl) !== originOf(after.baseUrl)) changed.push('baseUrl');
  const from: Record<string, unknown> = before.config;
  const to: Record<string, unknown> = after.config;
  for (const field of ['tokenUrl', 'authorizationUrl'] as const) {
    const previous = from[field];
    const next = to[field];
    if (typeof previous === 'string' && typeof next === 'string' && originOf(previous) !== originOf(next)) {
      changed.push(`auth.${field}`);
    }
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
