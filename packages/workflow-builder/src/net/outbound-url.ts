import { isIP } from 'node:net';
import { BlockedAddressError, OutboundUrlError } from './errors.js';
import type { IpPolicy } from './ip-policy.js';

/**
 * URL checks done before any connection: only http(s), no userinfo (it would be sent as
 * Basic auth to whichever host a redirect points at), and literal IP hosts judged by the
 * policy here because Node never calls a custom DNS lookup for them.
 */
export function parseOutboundUrl(input: string | URL, policy: IpPolicy): URL {
  let url: URL;
  try {
    url = new URL(input);
  } catch {
    throw new OutboundUrlError('the outbound URL is not a valid absolute URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new OutboundUrlError(`the URL scheme ${JSON.stringify(url.protocol)} is not allowed (only http and https)`);
  }
  if (url.username !== '' || url.password !== '') {
    throw new OutboundUrlError('credentials embedded in the URL are not allowed; send them as headers');
  }
  assertLiteralHostAllowed(policy, hostnameOf(url));
  return url;
}

/** The URL's host without IPv6 brackets, as DNS and the connector see it. */
export function hostnameOf(url: URL): string {
  const { hostname } = url;
  return hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname;
}

/** Throws BlockedAddressError when `host` is a literal IP the policy refuses; hostnames pass. */
export function assertLiteralHostAllowed(policy: IpPolicy, host: string): void {
  if (isIP(host) === 0) return;
  assertAddressAllowed(policy, host, host);
}

export function assertAddressAllowed(policy: IpPolicy, host: string, address: string): void {
  const verdict = policy.check(address);
  if (verdict.blocked) {
    const category = verdict.embedding ? `${verdict.embedding} ${verdict.category}` : verdict.category;
    throw new BlockedAddressError(host, category, address);
  }
}
