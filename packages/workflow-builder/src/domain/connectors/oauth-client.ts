import { AppError } from '@wfb/core/errors.js';
import * as oauth from 'oauth4webapi';
import type { SafeDispatcher } from '../../net/safe-dispatcher.js';
import { safeFetch } from '../../net/safe-fetch.js';
import type { OAuthConfig } from './auth-config.js';
import { createDiscovery } from './oauth-discovery.js';
import { type OAuthStep, toOAuthError } from './oauth-failure.js';

/**
 * OAuth 2.0 client operations through `oauth4webapi` (OpenID-certified, no dependencies).
 * Every request it makes goes through our `safeFetch` via its `customFetch` hook, so the
 * token endpoint gets the same SSRF checks, timeout and size cap as any connector call.
 * Token endpoints are never redirected to and never retried: a lost refresh response may
 * already have rotated the refresh token. Connectors set to `discovery` get their
 * endpoints and issuer from the issuer's metadata (oauth-discovery.ts), through the same fetch.
 */
export interface TokenSet {
  accessToken: string;
  refreshToken: string | undefined;
  expiresAt: Date | null;
  /** When the token was received: with `expiresAt`, its lifetime. */
  issuedAt: Date;
}

export interface OAuthClientDeps {
  dispatcher: SafeDispatcher;
  allowInsecureHttp: boolean;
  timeoutMs?: number;
  clock?: () => Date;
}

const maxTokenResponseBytes = 256 * 1024;

type CodeConfig = Extract<OAuthConfig, { type: 'oauth2_authorization_code' }>;

export function createOAuthClient(deps: OAuthClientDeps) {
  const clock = deps.clock ?? (() => new Date());

  const fetchThroughSafeDispatcher = async (url: string, init: oauth.CustomFetchOptions<string, unknown>) => {
    const body = init.body === undefined || init.body === null ? undefined : String(init.body);
    const response = await safeFetch(
      url,
      {
        method: init.method,
        headers: init.headers,
        ...(body !== undefined && { body }),
        ...(init.signal && { signal: init.signal }),
      },
      {
        dispatcher: deps.dispatcher,
        timeoutMs: deps.timeoutMs ?? 15_000,
        maxRedirects: 0,
        maxResponseBytes: maxTokenResponseBytes,
        retry: { maxRetries: 0 },
      },
    );
    const headers = new Headers();
    for (const [name, value] of Object.entries(response.headers)) {
      for (const item of Array.isArray(value) ? value : [value]) headers.append(name, item);
    }
    const empty = response.status === 204 || response.status === 304 || response.body.length === 0;
    return new Response(empty ? null : new Uint8Array(response.body), { status: response.status, headers });
  };

  const requestOptions = {
    [oauth.customFetch]: fetchThroughSafeDispatcher,
    ...(deps.allowInsecureHttp && { [oauth.allowInsecureRequests]: true }),
  };

  const discovery = createDiscovery({ requestOptions, allowInsecureHttp: deps.allowInsecureHttp, clock });

  /** What oauth4webapi checks responses against, with the endpoints it sends requests to. */
  async function codeServer(
    config: CodeConfig,
  ): Promise<oauth.AuthorizationServer & { authorization_endpoint: string; token_endpoint: string }> {
    if (config.discovery !== undefined && config.issuer !== undefined) {
      const metadata = await discovery.discover(config.issuer, config.discovery);
      const { authorization_endpoint, token_endpoint } = metadata;
      // Checked by discover(); the narrowing is for the compiler.
      if (authorization_endpoint && token_endpoint) return { ...metadata, authorization_endpoint, token_endpoint };
    }
    const { authorizationUrl, tokenUrl } = config;
    if (authorizationUrl === undefined || tokenUrl === undefined) {
      // Settings are checked when saved (validateConnectorUrls); a row that bypassed that lands here.
      throw new AppError('PRECONDITION_FAILED', 'the connector has neither endpoint URLs nor discovery set');
    }
    return {
      issuer: config.issuer ?? new URL(authorizationUrl).origin,
      authorization_endpoint: authorizationUrl,
      token_endpoint: tokenUrl,
    };
  }

  function clientAuth(config: OAuthConfig, clientSecret: string): oauth.ClientAuth {
    return config.clientAuth === 'client_secret_post'
      ? oauth.ClientSecretPost(clientSecret)
      : oauth.ClientSecretBasic(clientSecret);
  }

  function toTokenSet(response: oauth.TokenEndpointResponse, defaultLifetimeSeconds: number | null): TokenSet {
    const lifetime = typeof response.expires_in === 'number' ? response.expires_in : defaultLifetimeSeconds;
    const issuedAt = clock();
    return {
      accessToken: response.access_token,
      refreshToken: response.refresh_token,
      expiresAt: lifetime === null ? null : new Date(issuedAt.getTime() + lifetime * 1000),
      issuedAt,
    };
  }

  /** Causes are dropped on purpose: oauth4webapi attaches response bodies, which may hold tokens. */
  async function grant<T>(step: OAuthStep, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      throw toOAuthError(step, error);
    }
  }

  return {
    /** The provider URL the user's browser is sent to; PKCE S256 always. */
    async authorizationUrl(
      config: CodeConfig,
      request: { redirectUri: string; state: string; codeVerifier: string },
    ): Promise<URL> {
      const as = await grant('discovery', () => codeServer(config));
      const url = new URL(as.authorization_endpoint);
      for (const [name, value] of Object.entries(config.extraAuthParams)) url.searchParams.set(name, value);
      url.searchParams.set('client_id', config.clientId);
      url.searchParams.set('response_type', 'code');
      url.searchParams.set('redirect_uri', request.redirectUri);
      if (config.scopes.length > 0) url.searchParams.set('scope', config.scopes.join(' '));
      url.searchParams.set('state', request.state);
      url.searchParams.set('code_challenge', await oauth.calculatePKCECodeChallenge(request.codeVerifier));
      url.searchParams.set('code_challenge_method', 'S256');
      return url;
    },

    async exchangeCode(
      config: CodeConfig,
      clientSecret: string,
      callback: { parameters: URLSearchParams; expectedState: string; redirectUri: string; codeVerifier: string },
    ): Promise<TokenSet> {
      const as = await grant('discovery', () => codeServer(config));
      const client = { client_id: config.clientId };
      const validated = await grant('authorization', async () =>
        oauth.validateAuthResponse(as, client, callback.parameters, callback.expectedState),
      );
      return grant('code exchange', async () => {
        const response = await oauth.authorizationCodeGrantRequest(
          as,
          client,
          clientAuth(config, clientSecret),
          validated,
          callback.redirectUri,
          callback.codeVerifier,
          requestOptions,
        );
        return toTokenSet(await oauth.processAuthorizationCodeResponse(as, client, response), null);
      });
    },

    async refresh(config: CodeConfig, clientSecret: string, refreshToken: string): Promise<TokenSet> {
      const as = await grant('discovery', () => codeServer(config));
      const client = { client_id: config.clientId };
      return grant('refresh', async () => {
        const response = await oauth.refreshTokenGrantRequest(
          as,
          client,
          clientAuth(config, clientSecret),
          refreshToken,
          requestOptions,
        );
        return toTokenSet(await oauth.processRefreshTokenResponse(as, client, response), null);
      });
    },

    async clientCredentials(
      config: Extract<OAuthConfig, { type: 'oauth2_client_credentials' }>,
      clientSecret: string,
    ): Promise<TokenSet> {
      const as = { issuer: new URL(config.tokenUrl).origin, token_endpoint: config.tokenUrl };
      const client = { client_id: config.clientId };
      const parameters: Record<string, string> = {};
      if (config.scopes.length > 0) parameters.scope = config.scopes.join(' ');
      if (config.audience) parameters.audience = config.audience;
      return grant('client credentials', async () => {
        const response = await oauth.clientCredentialsGrantRequest(
          as,
          client,
          clientAuth(config, clientSecret),
          parameters,
          requestOptions,
        );
        // No expires_in: cache for an hour at most rather than forever.
        return toTokenSet(await oauth.processClientCredentialsResponse(as, client, response), 3600);
      });
    },
  };
}

export type OAuthClient = ReturnType<typeof createOAuthClient>;
