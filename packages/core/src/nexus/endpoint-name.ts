/**
 * The Nexus endpoint name of a project connector, derived from (caller namespace, connector
 * name) alone so workflow code can compute it without asking anyone. Pure and free of Node
 * APIs: it runs inside Temporal's workflow sandbox too.
 *
 * Temporal accepts `^[a-zA-Z][a-zA-Z0-9-]*[a-zA-Z0-9]$`. Sanitising namespaces and names to
 * that alphabet is lossy (`a.b` and `a-b` would meet), so every name ends in a hash of the
 * exact pair; the readable part only helps operators and is cut to keep names short.
 */
export const endpointNamePattern = /^[a-zA-Z][a-zA-Z0-9-]*[a-zA-Z0-9]$/;

/** Longest name this function returns, well under the server's limit. */
export const maxEndpointNameLength = 96;

const readableBudget = maxEndpointNameLength - 'wfb--'.length - 13;

function sanitize(text: string): string {
  return text
    .replace(/[^a-zA-Z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .toLowerCase();
}

const fnvOffset = 0xcbf29ce484222325n;
const fnvPrime = 0x100000001b3n;
const mask64 = 0xffffffffffffffffn;

/** FNV-1a over UTF-16 code units, 64 bits, as 13 base-36 digits. */
function hash64(text: string): string {
  let hash = fnvOffset;
  for (let index = 0; index < text.length; index += 1) {
    hash ^= BigInt(text.charCodeAt(index));
    hash = (hash * fnvPrime) & mask64;
  }
  return hash.toString(36).padStart(13, '0');
}

export function nexusEndpointName(callerNamespace: string, connectorName: string): string {
  const readable = sanitize(`${callerNamespace}-${connectorName}`).slice(0, readableBudget).replace(/-+$/, '');
  const digest = hash64(`${callerNamespace}\u0000${connectorName}`);
  return readable ? `wfb-${readable}-${digest}` : `wfb-${digest}`;
}
