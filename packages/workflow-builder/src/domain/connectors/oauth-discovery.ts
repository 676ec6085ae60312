import * as oauth from 'oauth4webapi';
import { OAuthProviderError, toOAuthError } from './oauth-failure.js';

/**
 * Authorization server metadata read from the issuer (OpenID Connect Discovery or
 * RFC 8414), so a connector can be configured by its issuer alone and the issuer that ID
 * tokens are checked against is the provider's own spelling of it (trailing slash, path),
 * not a guess. oauth4webapi requires the metadata's `issuer` to be the one asked for.
 * Requests go through the OAuth client's fetch (the SSRF-safe dispatcher, no redirects).
 * Metadata is cached per issuer for an hour; a failed lookup is not cached.
 */
export type DiscoveryAlgorithm = 'oidc' | 'oauth2';

export interface DiscoveryDeps {
  requestOptions: oauth.DiscoveryRequestOptions;
  allowInsecureHttp: boolean;
  clock: () => Date;
  ttlMs?: number;
  maxEntries?: number;
}

interface Entry {
  metadata: Promise<oauth.AuthorizationServer>;
  expiresAt: number;
}

export function createDiscovery(deps: DiscoveryDeps) {
  const ttlMs = deps.ttlMs ?? 60 * 60 * 1000;
  const maxEntries = deps.maxEntries ?? 500;
  const cache = new Map<string, Entry>();

  async function fetchMetadata(issuer: string, algorithm: DiscoveryAlgorithm): Promise<oauth.AuthorizationServer> {
    try {
      const expected = new URL(issuer);
      const response = await oauth.discoveryRequest(expected, { ...deps.requestOptions, algorithm });
      const metadata = await oauth.processDiscoveryResponse(expected, response);
      checkEndpoint(metadata.authorization_endpoint, 'authorization_endpoint');
      checkEndpoint(metadata.token_endpoint, 'token_endpoint');
      return metadata;
    } catch (error) {
      throw toOAuthError('discovery', error);
    }
  }

  /** The metadata names where the client secret goes: it gets the same scheme rules as a configured URL. */
  function checkEndpoint(value: string | undefined, name: string) {
    let url: URL | undefined;
    try {
      url = value === undefined ? undefined : new URL(value);
    } catch {
      url = undefined;
    }
    const schemes = deps.allowInsecureHttp ? ['https:', 'http:'] : ['https:'];
    if (url && schemes.includes(url.protocol) && url.username === '' && url.password === '' && url.hash === '') return;
    throw new OAuthProviderError(
      { step: 'discovery', reason: 'metadata_endpoint_invalid', status: undefined },
      `the issuer's metadata has no usable ${name} (metadata_endpoint_invalid)`,
    );
  }

  return {
    discover(issuer: string, algorithm: DiscoveryAlgorithm): Promise<oauth.AuthorizationServer> {
      const key = `${algorithm} ${issuer}`;
      const now = deps.clock().getTime();
      const cached = cache.get(key);
      if (cached && cached.expiresAt > now) return cached.metadata;
      const metadata = fetchMetadata(issuer, algorithm);
      cache.delete(key);
      // Map order is insertion order: the first key is the oldest entry.
      const oldest = cache.keys().next();
      if (cache.size >= maxEntries && !oldest.done) cache.delete(oldest.value);
      cache.set(key, { metadata, expiresAt: now + ttlMs });
      metadata.catch(() => {
        if (cache.get(key)?.metadata === metadata) cache.delete(key);
      });
      return metadata;
    },
  };
}

export type Discovery = ReturnType<typeof createDiscovery>;
