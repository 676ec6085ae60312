import type { Link } from 'nexus-rpc';

/**
 * The namespace of the workflow that made a Nexus call, from the links the Temporal server
 * attaches to the request (`temporal:///namespaces/<ns>/workflows/<id>/<run>/history…`).
 * A request from a caller workflow always carries one; a request without any (made directly
 * against the frontend's Nexus HTTP API) has no caller namespace and is refused. Links are
 * as trustworthy as the frontend's authorization: whoever may call its Nexus HTTP API
 * directly can write any link, so that API must not be open to tenants.
 */
export function callerNamespaceOf(links: readonly Link[]): string | undefined {
  for (const link of links) {
    if (link.url.protocol !== 'temporal:') continue;
    const [first, namespace] = link.url.pathname.split('/').filter((part) => part.length > 0);
    if (first === 'namespaces' && namespace) return decodeURIComponent(namespace);
  }
  return undefined;
}
