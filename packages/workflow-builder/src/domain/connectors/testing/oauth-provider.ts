import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider from 'oidc-provider';

/**
 * A real OAuth 2.0 / OpenID authorization server (oidc-provider, OpenID-certified)
 * running in-process for tests, with a scriptable user: the interaction endpoint logs the
 * user in and consents (or denies) without HTML. It also counts token requests per grant
 * type, and serves a small protected API (`/api/*`) that accepts only access tokens the
 * server itself issued (checked by introspection), so a test proves the token works.
 */
export interface TestAuthorizationServer {
  /** The issuer identifier, spelled as the server spells it (with a trailing slash if asked for). */
  issuer: string;
  /** Scheme, host and port, for building endpoint URLs. */
  origin: string;
  clients: { basic: TestClient; post: TestClient };
  /** Token requests received, by grant_type. */
  tokenRequests: Map<string, number>;
  /** What the user does at the next consent screen. */
  setUserDecision(decision: 'approve' | 'deny'): void;
  /** Drives a browser from the authorization URL to the redirect back to us; returns that URL. */
  authorize(authorizationUrl: string, redirectPrefix: string): Promise<URL>;
  /** Calls the token endpoint directly, as another party holding the refresh token would. */
  refreshDirectly(client: TestClient, refreshToken: string): Promise<{ status: number; body: Record<string, unknown> }>;
  apiRequests: Array<{ path: string; authorization: string | undefined; active: boolean }>;
  close(): Promise<void>;
}

export interface TestClient {
  clientId: string;
  clientSecret: string;
}

const resourceServer = { clientId: 'resource-server', clientSecret: 'resource-server-secret-0123456789abcdef' };

export async function startAuthorizationServer(options: {
  redirectUris: string[];
  /** Spell the issuer `http://host:port/`, as many real providers do. */
  trailingSlash?: boolean;
}): Promise<TestAuthorizationServer> {
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const issuer = options.trailingSlash ? `${origin}/` : origin;
  const clients = {
    basic: { clientId: 'wfb-basic', clientSecret: 'basic-client-secret-PLANTED-0123456789abcdef' },
    post: { clientId: 'wfb-post', clientSecret: 'post-client-secret-PLANTED-0123456789abcdef' },
  };
  const clientMetadata = (client: TestClient, method: string) => ({
    client_id: client.clientId,
    client_secret: client.clientSecret,
    grant_types: ['authorization_code', 'refresh_token', 'client_credentials'],
    response_types: ['code'],
    redirect_uris: options.redirectUris,
    token_endpoint_auth_method: method,
    scope: 'openid api:read api:write offline_access',
  });
  const provider = new Provider(issuer, {
    clients: [
      clientMetadata(clients.basic, 'client_secret_basic'),
      clientMetadata(clients.post, 'client_secret_post'),
      {
        client_id: resourceServer.clientId,
        client_secret: resourceServer.clientSecret,
        grant_types: [],
        response_types: [],
        redirect_uris: [],
      },
    ],
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      introspection: { enabled: true, allowedPolicy: async () => true },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => 'urn:test-api',
        useGrantedResource: () => true,
        getResourceServerInfo: () => ({
          scope: 'api:read api:write',
          accessTokenFormat: 'opaque',
          accessTokenTTL: 3600,
        }),
      },
    },
    scopes: ['openid', 'offline_access', 'api:read', 'api:write'],
    issueRefreshToken: async (_ctx: unknown, client: { grantTypeAllowed(type: string): boolean }) =>
      client.grantTypeAllowed('refresh_token'),
    rotateRefreshToken: () => true,
    findAccount: async (_ctx: unknown, id: string) => ({ accountId: id, claims: async () => ({ sub: id }) }),
    interactions: { url: (_ctx: unknown, interaction: { uid: string }) => `/interaction/${interaction.uid}` },
    cookies: { keys: ['test-cookie-key-0123456789'] },
    ttl: {
      Interaction: 600,
      Session: 3600,
      Grant: 3600,
      AuthorizationCode: 60,
      ClientCredentials: 3600,
      RefreshToken: 86400,
    },
  });
  const handle = provider.callback();
  const tokenRequests = new Map<string, number>();
  const apiRequests: TestAuthorizationServer['apiRequests'] = [];
  let decision: 'approve' | 'deny' = 'approve';

  server.on('request', (request, response) => {
    const url = request.url ?? '/';
    if (url.startsWith('/interaction/')) {
      void interact(request, response).catch(() => {
        response.statusCode = 500;
        response.end();
      });
      return;
    }
    if (url.startsWith('/api/')) {
      void serveApi(request, url).then(({ status, body }) => {
        response.writeHead(status, { 'content-type': 'application/json' });
        response.end(JSON.stringify(body));
      });
      return;
    }
    if (url === '/token' && request.method === 'POST') {
      // Peek at grant_type without consuming the stream oidc-provider needs.
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const grant = new URLSearchParams(Buffer.concat(chunks).toString('utf8')).get('grant_type') ?? 'unknown';
        tokenRequests.set(grant, (tokenRequests.get(grant) ?? 0) + 1);
      });
    }
    handle(request, response);
  });

  async function interact(request: IncomingMessage, response: Parameters<typeof provider.interactionFinished>[1]) {
    const details = await provider.interactionDetails(request, response);
    if (details.prompt.name === 'login') {
      await provider.interactionFinished(
        request,
        response,
        { login: { accountId: 'user-1' } },
        { mergeWithLastSubmission: false },
      );
      return;
    }
    if (decision === 'deny') {
      await provider.interactionFinished(
        request,
        response,
        { error: 'access_denied', error_description: 'the user said no' },
        { mergeWithLastSubmission: false },
      );
      return;
    }
    const grant = details.grantId
      ? ((await provider.Grant.find(details.grantId)) ??
        new provider.Grant({ accountId: 'user-1', clientId: String(details.params.client_id) }))
      : new provider.Grant({
          accountId: details.session?.accountId ?? 'user-1',
          clientId: String(details.params.client_id),
        });
    const missing = details.prompt.details as {
      missingOIDCScope?: string[];
      missingResourceScopes?: Record<string, string[]>;
    };
    if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
    for (const [resource, scopes] of Object.entries(missing.missingResourceScopes ?? {})) {
      grant.addResourceScope(resource, scopes.join(' '));
    }
    await provider.interactionFinished(
      request,
      response,
      { consent: { grantId: await grant.save() } },
      { mergeWithLastSubmission: true },
    );
  }

  async function serveApi(request: IncomingMessage, path: string) {
    const authorization = request.headers.authorization;
    const token = /^Bearer (.+)$/.exec(authorization ?? '')?.[1];
    let active = false;
    if (token) {
      const introspection = await fetch(`${origin}/token/introspection`, {
        method: 'POST',
        headers: {
          authorization: `Basic ${Buffer.from(`${resourceServer.clientId}:${resourceServer.clientSecret}`).toString('base64')}`,
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: new URLSearchParams({ token }),
      });
      active = ((await introspection.json()) as { active?: boolean }).active === true;
    }
    apiRequests.push({ path, authorization, active });
    return active ? { status: 200, body: { ok: true, path } } : { status: 401, body: { error: 'invalid_token' } };
  }

  return {
    issuer,
    origin,
    clients,
    tokenRequests,
    apiRequests,
    setUserDecision(next) {
      decision = next;
    },
    async authorize(authorizationUrl, redirectPrefix) {
      const cookies = new Map<string, string>();
      let url = authorizationUrl;
      for (let hop = 0; hop < 20; hop += 1) {
        const response = await fetch(url, {
          redirect: 'manual',
          headers: { cookie: [...cookies].map(([name, value]) => `${name}=${value}`).join('; ') },
        });
        for (const cookie of response.headers.getSetCookie()) {
          const [pair = ''] = cookie.split(';');
          const separator = pair.indexOf('=');
          cookies.set(pair.slice(0, separator), pair.slice(separator + 1));
        }
        const location = response.headers.get('location');
        if (!location) throw new Error(`authorization stopped at ${response.status} without a redirect`);
        url = new URL(location, url).href;
        if (url.startsWith(redirectPrefix)) return new URL(url);
      }
      throw new Error('too many redirects while authorizing');
    },
    async refreshDirectly(client, refreshToken) {
      const response = await fetch(`${origin}/token`, {
        method: 'POST',
        headers: {
          authorization: `Basic ${Buffer.from(`${client.clientId}:${client.clientSecret}`).toString('base64')}`,
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken }),
      });
      return { status: response.status, body: (await response.json()) as Record<string, unknown> };
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
