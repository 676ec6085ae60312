import { AppError } from '@wfb/core/errors.js';
import type { KeyRing } from '../../crypto/key-ring.js';
import type { RetryOptions } from '../../net/retry-policy.js';
import type { SafeDispatcher } from '../../net/safe-dispatcher.js';
import { type SafeResponse, safeFetch } from '../../net/safe-fetch.js';
import { parseAuthConfig } from './auth-config.js';
import { openSecrets } from './connector-secrets.js';
import type { ConnectorForUse } from './connectors.store.js';
import { credentialForms, redactResponse } from './credential-redaction.js';
import type { TokenManager } from './token-manager.js';

/**
 * The one way to call a third-party API with a connector's credentials: the connectors
 * test, the proxy and (later) the worker's HTTP activity all come through here. Secrets
 * are decrypted only for the duration of the call and travel only in the outgoing
 * request; the call itself is `safeFetch` (SSRF-checked and pinned addresses, manual
 * redirects with credentials dropped on leaving the origin, the connector's timeout and
 * retries, a response size cap).
 */
export interface OutboundRequest {
  method?: string;
  /** Path relative to the connector's base URL, starting with "/"; may carry a query string. */
  path?: string;
  query?: Record<string, string | readonly string[]>;
  headers?: Record<string, string>;
  body?: string | Uint8Array;
  signal?: AbortSignal;
  /** Overrides the connector's timeout (a workflow step may set its own). */
  timeoutMs?: number;
  /** Overrides the connector's retries: the workers' egress sends none, Temporal retries the activity. */
  retry?: RetryOptions;
  maxResponseBytes?: number;
  /**
   * Replace every injected credential the upstream echoes back (body or headers) with
   * "[redacted]": for callers whose response ends up where no secret may go (workflow history).
   */
  redactCredentials?: boolean;
}

export interface AuthorizedFetchDeps {
  ring: KeyRing;
  tokens: TokenManager;
  dispatcher: SafeDispatcher;
  maxResponseBytes?: number;
}

/**
 * Headers that carry credentials (ours or the caller's) or connection framing: nothing a
 * caller sends under these names may reach the upstream. The proxy drops them as well.
 */
export const credentialAndFramingHeaders = [
  'host',
  'authorization',
  'proxy-authorization',
  'cookie',
  'x-api-key',
  'connection',
  'keep-alive',
  'transfer-encoding',
  'te',
  'trailer',
  'upgrade',
  'content-length',
];

/** Headers a caller may never set: they carry our credentials, the caller's own, or framing. */
const reservedHeaders = new Set([...credentialAndFramingHeaders, 'expect']);

export function createAuthorizedFetch(deps: AuthorizedFetchDeps) {
  return async function authorizedFetch(connector: ConnectorForUse, request: OutboundRequest): Promise<SafeResponse> {
    if (!connector.enabled) throw new AppError('PRECONDITION_FAILED', 'connector is disabled');
    const config = parseAuthConfig(connector.auth_config);
    const secrets = openSecrets(
      deps.ring,
      { projectId: connector.project_id, connectorId: connector.id },
      connector.encrypted_credentials,
    );
    const url = resolveTarget(connector.base_url, request.path ?? '/', request.query ?? {});
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(toRecord(connector.default_headers)))
      headers[name.toLowerCase()] = value;
    for (const [name, value] of Object.entries(request.headers ?? {})) {
      const lower = name.toLowerCase();
      if (!reservedHeaders.has(lower)) headers[lower] = value;
    }
    const credentialHeaders: string[] = [];
    const credentialQueryParams: string[] = [];
    const injected: string[] = [];
    switch (config.type) {
      case 'api_key': {
        const apiKey = secrets.apiKey ?? '';
        injected.push(apiKey);
        if (config.placement === 'header') {
          headers[config.name.toLowerCase()] = apiKey;
          credentialHeaders.push(config.name);
        } else {
          url.searchParams.set(config.name, apiKey);
          credentialQueryParams.push(config.name);
        }
        break;
      }
      case 'bearer':
        headers.authorization = `Bearer ${secrets.token ?? ''}`;
        injected.push(secrets.token ?? '');
        break;
      case 'basic': {
        const encoded = Buffer.from(`${config.username}:${secrets.password ?? ''}`).toString('base64');
        headers.authorization = `Basic ${encoded}`;
        injected.push(secrets.password ?? '', encoded);
        break;
      }
      case 'oauth2_client_credentials':
      case 'oauth2_authorization_code': {
        const accessToken = await deps.tokens.accessToken(connector, secrets);
        headers.authorization = `Bearer ${accessToken}`;
        injected.push(accessToken);
        break;
      }
    }
    const response = await safeFetch(
      url,
      {
        method: request.method ?? 'GET',
        headers,
        ...(request.body !== undefined && { body: request.body }),
        ...(request.signal && { signal: request.signal }),
      },
      {
        dispatcher: deps.dispatcher,
        timeoutMs: request.timeoutMs ?? connector.timeout_ms,
        maxResponseBytes: request.maxResponseBytes ?? deps.maxResponseBytes ?? 5 * 1024 * 1024,
        credentialHeaders,
        credentialQueryParams,
        retry: request.retry ?? { maxRetries: connector.max_retries, baseDelayMs: connector.retry_backoff_ms },
      },
    );
    const redacted = request.redactCredentials ? redactResponse(response, credentialForms(injected)) : response;
    return { ...redacted, url: redactQuery(response.url, credentialQueryParams) };
  };
}

/** The final URL is handed back to callers (and may be logged there): never with a key in it. */
function redactQuery(href: string, names: readonly string[]): string {
  if (names.length === 0) return href;
  const url = new URL(href);
  for (const name of names) if (url.searchParams.has(name)) url.searchParams.set(name, 'redacted');
  return url.href;
}

export type AuthorizedFetch = ReturnType<typeof createAuthorizedFetch>;

/**
 * Joins the caller's path onto the base URL and refuses anything that would leave it:
 * another origin (`//host`, absolute URLs) or a path outside the base path (`..`,
 * including percent-encoded dots, which URL parsing normalises before the check).
 */
export function resolveTarget(baseUrl: string, path: string, query: Record<string, string | readonly string[]>): URL {
  if (!path.startsWith('/') || path.startsWith('//') || path.includes('\\')) {
    throw new AppError('BAD_REQUEST', 'path must be relative to the connector base URL and start with "/"', {
      details: { field: 'path' },
    });
  }
  const base = new URL(baseUrl);
  const basePath = base.pathname.replace(/\/+$/, '');
  const [pathPart = '/', search = ''] = splitOnce(path, '?');
  const target = new URL(`${basePath}${pathPart}`, base.origin);
  if (target.origin !== base.origin || !(target.pathname === basePath || target.pathname.startsWith(`${basePath}/`))) {
    throw new AppError('BAD_REQUEST', 'path escapes the connector base URL', { details: { field: 'path' } });
  }
  for (const [name, value] of base.searchParams) target.searchParams.append(name, value);
  for (const [name, value] of new URLSearchParams(search)) target.searchParams.append(name, value);
  for (const [name, value] of Object.entries(query)) {
    for (const item of typeof value === 'string' ? [value] : value) target.searchParams.append(name, item);
  }
  return target;
}

function splitOnce(text: string, separator: string): [string, string] {
  const index = text.indexOf(separator);
  return index === -1 ? [text, ''] : [text.slice(0, index), text.slice(index + 1)];
}

function toRecord(value: unknown): Record<string, string> {
  if (typeof value !== 'object' || value === null) return {};
  return Object.fromEntries(
    Object.entries(value).filter((entry): entry is [string, string] => typeof entry[1] === 'string'),
  );
}
