import { OutboundUrlError } from './errors.js';
import type { IpPolicy } from './ip-policy.js';
import { parseOutboundUrl } from './outbound-url.js';

/**
 * Computes the next request when following a redirect by hand. Following manually means
 * every hop's target is re-validated (scheme, literal IPs, and DNS in the dispatcher),
 * so a public URL cannot bounce the request to 169.254.169.254. When a hop leaves the
 * origin, credentials are removed for the rest of the chain: the standard ones
 * (Authorization, Cookie, Proxy-Authorization) and any header or query parameter the
 * caller names as carrying a secret. Method rewriting follows the Fetch standard.
 */
export type RequestBody = string | Uint8Array;

export interface Hop {
  url: URL;
  method: string;
  /** Lower-cased header names. */
  headers: Map<string, string>;
  body: RequestBody | undefined;
}

export interface CredentialNames {
  headers: ReadonlySet<string>;
  queryParams: readonly string[];
}

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
const ORIGIN_BOUND_HEADERS = ['authorization', 'cookie', 'proxy-authorization', 'host'];
const BODY_HEADERS = [
  'content-type',
  'content-length',
  'content-encoding',
  'content-language',
  'content-location',
  'transfer-encoding',
];

export function isRedirect(status: number): boolean {
  return REDIRECT_STATUSES.has(status);
}

/** The hop a redirect response leads to, or undefined when the response is final (not a redirect, or no Location). */
export function nextHop(
  hop: Hop,
  status: number,
  location: string | string[] | undefined,
  policy: IpPolicy,
  credentials: CredentialNames,
): Hop | undefined {
  const target = Array.isArray(location) ? location[0] : location;
  if (!isRedirect(status) || target === undefined || target === '') return undefined;

  let resolved: URL;
  try {
    resolved = new URL(target, hop.url);
  } catch {
    throw new OutboundUrlError(`redirect from ${JSON.stringify(hop.url.host)} has an invalid Location`);
  }
  const url = parseOutboundUrl(resolved, policy);
  const headers = new Map(hop.headers);
  let { method, body } = hop;

  if ((status === 303 && method !== 'HEAD') || ((status === 301 || status === 302) && method === 'POST')) {
    method = 'GET';
    body = undefined;
    for (const name of BODY_HEADERS) headers.delete(name);
  }

  if (url.origin !== hop.url.origin) {
    for (const name of ORIGIN_BOUND_HEADERS) headers.delete(name);
    for (const name of credentials.headers) headers.delete(name);
    for (const name of credentials.queryParams) if (url.searchParams.has(name)) url.searchParams.delete(name);
  }
  return { url, method, headers, body };
}
