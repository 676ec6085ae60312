import type { ConnectorType } from '@wfb/core/db/schema.connectors.js';
import { AppError } from '@wfb/core/errors.js';
import { z } from 'zod';
import type { AuthInput, AuthUpdateInput } from './connector-input.js';
import { secretsRequiredError } from './connector-origins.js';

/**
 * The split between what a connector stores in plain JSON (`auth_config`) and what it
 * stores only encrypted (the secrets). Every secret field of every type is listed here
 * and nowhere else, so a new field cannot end up in the plain column by accident.
 */
const scopes = z.array(z.string());
export const authConfigSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('api_key'), placement: z.enum(['header', 'query']), name: z.string() }),
  z.object({ type: z.literal('bearer') }),
  z.object({ type: z.literal('basic'), username: z.string() }),
  z.object({
    type: z.literal('oauth2_client_credentials'),
    tokenUrl: z.string(),
    scopes,
    clientId: z.string(),
    clientAuth: z.enum(['client_secret_basic', 'client_secret_post']),
    audience: z.string().optional(),
  }),
  z.object({
    type: z.literal('oauth2_authorization_code'),
    // Absent when `discovery` reads them from the issuer's metadata.
    authorizationUrl: z.string().optional(),
    tokenUrl: z.string().optional(),
    issuer: z.string().optional(),
    discovery: z.enum(['oidc', 'oauth2']).optional(),
    scopes,
    clientId: z.string(),
    clientAuth: z.enum(['client_secret_basic', 'client_secret_post']),
    extraAuthParams: z.record(z.string(), z.string()),
  }),
]);
export type AuthConfig = z.infer<typeof authConfigSchema>;
export type OAuthConfig = Extract<AuthConfig, { type: 'oauth2_client_credentials' | 'oauth2_authorization_code' }>;

/** Secrets a user provides, per type. Tokens obtained from a provider come on top. */
const userSecretFields: Record<ConnectorType, readonly string[]> = {
  api_key: ['apiKey'],
  bearer: ['token'],
  basic: ['password'],
  oauth2_client_credentials: ['clientSecret'],
  oauth2_authorization_code: ['clientSecret'],
};
export const tokenFields = ['accessToken', 'refreshToken'] as const;

/** Long random secrets may show their last 4 characters; passwords and tokens never do. */
const hintableFields = new Set(['apiKey', 'token', 'clientSecret']);
const minHintableLength = 16;

export type SecretHints = Record<string, { set: true; hint: string | null }>;

export function secretHints(secrets: Record<string, string>): SecretHints {
  return Object.fromEntries(
    Object.entries(secrets).map(([field, value]) => [
      field,
      {
        set: true,
        hint: hintableFields.has(field) && value.length >= minHintableLength ? `…${value.slice(-4)}` : null,
      },
    ]),
  );
}

export function parseAuthConfig(value: unknown): AuthConfig {
  return authConfigSchema.parse(value);
}

export function splitAuth(auth: AuthInput): { config: AuthConfig; secrets: Record<string, string> } {
  switch (auth.type) {
    case 'api_key':
      return {
        config: { type: auth.type, placement: auth.placement, name: auth.name },
        secrets: { apiKey: auth.apiKey },
      };
    case 'bearer':
      return { config: { type: auth.type }, secrets: { token: auth.token } };
    case 'basic':
      return { config: { type: auth.type, username: auth.username }, secrets: { password: auth.password } };
    case 'oauth2_client_credentials': {
      const { clientSecret, ...config } = auth;
      return { config, secrets: { clientSecret } };
    }
    case 'oauth2_authorization_code': {
      const { clientSecret, ...config } = auth;
      return { config, secrets: { clientSecret } };
    }
  }
}

/** The fields a user must supply for `type`; what an origin change makes them supply again. */
export function userSecretFieldsOf(type: ConnectorType): readonly string[] {
  return userSecretFields[type];
}

/** The non-secret settings an update asks for, before any secret is merged in. */
export function authConfigOfUpdate(update: AuthUpdateInput): AuthConfig {
  const fields = userSecretFields[update.type];
  return authConfigSchema.parse(
    Object.fromEntries(Object.entries(update).filter(([field]) => !fields.includes(field))),
  );
}

export interface MergedAuth {
  config: AuthConfig;
  secrets: Record<string, string>;
  changedSecrets: string[];
  /** True when stored provider tokens no longer fit the settings and were dropped. */
  tokensDropped: boolean;
}

/**
 * Applies an update to the stored settings and secrets. Omitted secrets keep their stored
 * value when the type is unchanged; changing the type needs every secret of the new type.
 * When a destination moved to another origin (`moved`, from changedOrigins) nothing stored
 * is kept: every secret must be supplied again, so a stored one never follows a new URL.
 * Provider tokens survive only when nothing they depend on (origins, endpoint, client,
 * scopes) changed.
 */
export function mergeAuthUpdate(
  current: { config: AuthConfig; secrets: Record<string, string> },
  update: AuthUpdateInput,
  moved: readonly string[] = [],
): MergedAuth {
  const sameType = current.config.type === update.type;
  const keepStored = sameType && moved.length === 0;
  const provided: Record<string, unknown> = { ...update };
  const secrets: Record<string, string> = {};
  const changedSecrets: string[] = [];
  const missing: string[] = [];
  for (const field of userSecretFields[update.type]) {
    const raw = provided[field];
    const next = typeof raw === 'string' ? raw : undefined;
    const previous = keepStored ? current.secrets[field] : undefined;
    const value = next ?? previous;
    if (value === undefined) missing.push(field);
    else secrets[field] = value;
    if (next !== undefined && next !== (sameType ? current.secrets[field] : undefined)) changedSecrets.push(field);
  }
  if (missing.length > 0 && moved.length > 0) throw secretsRequiredError(missing, moved);
  if (missing.length > 0) {
    const named = missing.map((field) => `auth.${field}`);
    throw new AppError('BAD_REQUEST', `${named.join(', ')} is required when changing the connector type`, {
      details: { field: named[0], fields: named },
    });
  }
  const config = authConfigOfUpdate(update);
  const tokensKept = keepStored && !tokenSettingsChanged(current.config, config);
  if (tokensKept) {
    for (const field of tokenFields) {
      const value = current.secrets[field];
      if (value !== undefined) secrets[field] = value;
    }
  }
  const hadTokens = tokenFields.some((field) => current.secrets[field] !== undefined);
  return { config, secrets, changedSecrets, tokensDropped: hadTokens && !tokensKept };
}

function tokenSettingsChanged(before: AuthConfig, after: AuthConfig): boolean {
  if (before.type !== after.type) return true;
  if (before.type === 'oauth2_client_credentials' && after.type === 'oauth2_client_credentials') {
    return (
      before.tokenUrl !== after.tokenUrl ||
      before.clientId !== after.clientId ||
      before.audience !== after.audience ||
      before.scopes.join(' ') !== after.scopes.join(' ')
    );
  }
  if (before.type === 'oauth2_authorization_code' && after.type === 'oauth2_authorization_code') {
    return (
      before.tokenUrl !== after.tokenUrl ||
      before.issuer !== after.issuer ||
      before.discovery !== after.discovery ||
      before.clientId !== after.clientId ||
      before.scopes.join(' ') !== after.scopes.join(' ')
    );
  }
  return false;
}

/**
 * URLs a connector will call. Outside local development every one must be https, so a
 * client secret or token never crosses the network in clear text.
 */
export function validateConnectorUrls(baseUrl: string, config: AuthConfig, options: { allowInsecureHttp: boolean }) {
  checkUrl('baseUrl', baseUrl, options);
  if (config.type === 'oauth2_client_credentials') checkUrl('auth.tokenUrl', config.tokenUrl, options);
  if (config.type === 'oauth2_authorization_code') {
    if (config.tokenUrl !== undefined) checkUrl('auth.tokenUrl', config.tokenUrl, options);
    if (config.authorizationUrl !== undefined) checkUrl('auth.authorizationUrl', config.authorizationUrl, options);
    if (config.issuer !== undefined) checkUrl('auth.issuer', config.issuer, options);
  }
}

/**
 * Checked when auth settings are saved (not when only the base URL or headers change, so
 * a connector saved before these rules keeps working). An authorization-code connector
 * gets its endpoints either from its settings or from the issuer's metadata, never half
 * from each. An ID token (scope `openid`) is checked against the issuer, and guessing it
 * from the authorization URL fails for issuers with a path or a trailing slash, only
 * after the provider has already issued tokens: so `openid` needs the issuer stated.
 */
export function validateOAuthSettings(config: AuthConfig) {
  if (config.type !== 'oauth2_authorization_code') return;
  const refuse = (field: string, message: string) => {
    throw new AppError('BAD_REQUEST', `${field} ${message}`, { details: { field } });
  };
  if (config.discovery !== undefined) {
    if (config.issuer === undefined) refuse('auth.issuer', 'is required with auth.discovery');
    for (const field of ['authorizationUrl', 'tokenUrl'] as const) {
      if (config[field] !== undefined) {
        refuse(`auth.${field}`, "must be left out with auth.discovery: it comes from the issuer's metadata");
      }
    }
    if (config.issuer !== undefined && /[?#]/.test(config.issuer)) {
      refuse('auth.issuer', 'must not have a query or fragment');
    }
    return;
  }
  for (const field of ['authorizationUrl', 'tokenUrl'] as const) {
    if (config[field] === undefined) refuse(`auth.${field}`, 'is required unless auth.discovery is set');
  }
  if (config.scopes.includes('openid') && config.issuer === undefined) {
    refuse(
      'auth.issuer',
      "is required with the openid scope: set it to the provider's exact issuer (trailing slash and path " +
        "included), or set auth.discovery to read it from the provider's metadata",
    );
  }
}

function checkUrl(field: string, value: string, options: { allowInsecureHttp: boolean }) {
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    throw new AppError('BAD_REQUEST', `${field} must be an absolute URL`, { details: { field } });
  }
  const allowed = options.allowInsecureHttp ? ['https:', 'http:'] : ['https:'];
  if (!allowed.includes(parsed.protocol)) {
    throw new AppError('BAD_REQUEST', `${field} must use ${allowed.join(' or ').replaceAll(':', '')}`, {
      details: { field },
    });
  }
  if (parsed.username !== '' || parsed.password !== '') {
    throw new AppError('BAD_REQUEST', `${field} must not contain credentials`, { details: { field } });
  }
  if (parsed.hash !== '')
    throw new AppError('BAD_REQUEST', `${field} must not have a fragment`, { details: { field } });
}
