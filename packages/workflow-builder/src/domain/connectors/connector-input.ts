import { z } from 'zod';
import { text } from '../../trpc/input-rules.js';

/**
 * Input shapes of the connectors API. Each auth type names its non-secret settings and
 * its secrets separately: settings are stored as plain JSON, secrets only inside the
 * encrypted envelope. Secrets are capped well below the envelope's own limit so an
 * oversized value fails here with its field named, before anything is written.
 */
export const MAX_SECRET_LENGTH = 8 * 1024;

const secret = text().min(1).max(MAX_SECRET_LENGTH);
const url = text().trim().max(2048);
const headerName = text()
  .trim()
  .regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,100}$/, 'must be a valid HTTP header name');
const scopes = z.array(text().regex(/^[\x21\x23-\x5B\x5D-\x7E]{1,200}$/, 'invalid scope')).max(50);
const clientAuth = z.enum(['client_secret_basic', 'client_secret_post']);

export const apiKeyAuth = z.strictObject({
  type: z.literal('api_key'),
  placement: z.enum(['header', 'query']),
  name: text()
    .trim()
    .regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,100}$/, 'must be a valid header or query parameter name'),
  apiKey: secret,
});

export const bearerAuth = z.strictObject({ type: z.literal('bearer'), token: secret });

export const basicAuth = z.strictObject({
  type: z.literal('basic'),
  username: text()
    .min(1)
    .max(256)
    .refine((value) => !value.includes(':'), 'must not contain ":"'),
  password: secret,
});

export const clientCredentialsAuth = z.strictObject({
  type: z.literal('oauth2_client_credentials'),
  tokenUrl: url,
  scopes: scopes.default([]),
  clientId: text().min(1).max(512),
  clientSecret: secret,
  clientAuth: clientAuth.default('client_secret_basic'),
  audience: text().max(512).optional(),
});

const reservedAuthParams = new Set([
  'client_id',
  'redirect_uri',
  'response_type',
  'scope',
  'state',
  'code_challenge',
  'code_challenge_method',
]);

export const authorizationCodeAuth = z.strictObject({
  type: z.literal('oauth2_authorization_code'),
  /** Both required, unless `discovery` takes them from the issuer's metadata. */
  authorizationUrl: url.optional(),
  tokenUrl: url.optional(),
  /**
   * The provider's exact issuer identifier: the expected `iss` of authorization responses
   * (RFC 9207) and ID tokens. Without it, the authorization URL's origin (no trailing slash).
   */
  issuer: url.optional(),
  /**
   * Fetch the endpoints from the issuer's metadata: `oidc` reads
   * `<issuer>/.well-known/openid-configuration`, `oauth2` the RFC 8414
   * `/.well-known/oauth-authorization-server<issuer path>`.
   */
  discovery: z.enum(['oidc', 'oauth2']).optional(),
  scopes: scopes.default([]),
  clientId: text().min(1).max(512),
  clientSecret: secret,
  clientAuth: clientAuth.default('client_secret_basic'),
  extraAuthParams: z
    .record(text().min(1).max(100), text().max(1000))
    .refine((params) => Object.keys(params).length <= 20, 'at most 20 parameters')
    .refine(
      (params) => Object.keys(params).every((name) => !reservedAuthParams.has(name)),
      'must not override client_id, redirect_uri, response_type, scope, state or PKCE parameters',
    )
    .default({}),
});

export const authInput = z.discriminatedUnion('type', [
  apiKeyAuth,
  bearerAuth,
  basicAuth,
  clientCredentialsAuth,
  authorizationCodeAuth,
]);
export type AuthInput = z.infer<typeof authInput>;

/** On update every secret may be left out: the stored one is kept. */
export const authUpdateInput = z.discriminatedUnion('type', [
  apiKeyAuth.extend({ apiKey: secret.optional() }),
  bearerAuth.extend({ token: secret.optional() }),
  basicAuth.extend({ password: secret.optional() }),
  clientCredentialsAuth.extend({ clientSecret: secret.optional() }),
  authorizationCodeAuth.extend({ clientSecret: secret.optional() }),
]);
export type AuthUpdateInput = z.infer<typeof authUpdateInput>;

const forbiddenDefaultHeaders = new Set(['host', 'authorization', 'cookie', 'content-length', 'transfer-encoding']);

export const defaultHeadersInput = z
  .record(headerName, text().max(4096))
  .refine((headers) => Object.keys(headers).length <= 50, 'at most 50 headers')
  .refine(
    (headers) => Object.keys(headers).every((name) => !forbiddenDefaultHeaders.has(name.toLowerCase())),
    'must not set Host, Authorization, Cookie, Content-Length or Transfer-Encoding',
  );

export const requestSettingsInput = {
  timeoutMs: z.number().int().min(100).max(300_000),
  maxRetries: z.number().int().min(0).max(10),
  retryBackoffMs: z.number().int().min(0).max(60_000),
  testPath: text().trim().min(1).max(2048).startsWith('/'),
};

export const connectorName = text().trim().min(1).max(100);

export const createConnectorInput = z.strictObject({
  projectId: z.uuid(),
  name: connectorName,
  baseUrl: url,
  auth: authInput,
  defaultHeaders: defaultHeadersInput.default({}),
  timeoutMs: requestSettingsInput.timeoutMs.default(30_000),
  maxRetries: requestSettingsInput.maxRetries.default(2),
  retryBackoffMs: requestSettingsInput.retryBackoffMs.default(200),
  testPath: requestSettingsInput.testPath.default('/'),
  enabled: z.boolean().default(true),
});
export type CreateConnectorInput = z.infer<typeof createConnectorInput>;

export const updateConnectorInput = z.strictObject({
  id: z.uuid(),
  name: connectorName.optional(),
  baseUrl: url.optional(),
  auth: authUpdateInput.optional(),
  defaultHeaders: defaultHeadersInput.optional(),
  timeoutMs: requestSettingsInput.timeoutMs.optional(),
  maxRetries: requestSettingsInput.maxRetries.optional(),
  retryBackoffMs: requestSettingsInput.retryBackoffMs.optional(),
  testPath: requestSettingsInput.testPath.optional(),
});
export type UpdateConnectorInput = z.infer<typeof updateConnectorInput>;
