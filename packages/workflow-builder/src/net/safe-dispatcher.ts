import type { LookupAddress } from 'node:dns';
import { lookup as dnsLookup } from 'node:dns/promises';
import { isIP, type LookupFunction } from 'node:net';
import { Agent, buildConnector } from 'undici';
import type { IpPolicy } from './ip-policy.js';
import { assertAddressAllowed, assertLiteralHostAllowed } from './outbound-url.js';

/**
 * An undici Agent that can only open connections to addresses the IP policy allows.
 * Checking a URL's hostname before the request is not enough: DNS can answer
 * differently at connect time (rebinding), and one name can have several addresses. So
 * the check lives in the socket's own lookup: every address DNS returns is checked,
 * any blocked one refuses the whole name, and the socket connects only to the addresses
 * that were checked. Node skips `lookup` for literal IP hosts, so the connector checks
 * those itself before connecting.
 */
export type ResolveHost = (hostname: string, family: 0 | 4 | 6) => Promise<readonly LookupAddress[]>;

export interface SafeDispatcherOptions {
  policy: IpPolicy;
  /** DNS resolution; defaults to the OS resolver (`dns.lookup` with `all: true`). Injectable for tests. */
  lookup?: ResolveHost;
  connectTimeoutMs?: number;
  /** Pool tuning passed to the Agent; connection setup is always ours. */
  agentOptions?: Omit<Agent.Options, 'connect' | 'connectTimeout' | 'factory' | 'socketPath'>;
}

export class SafeDispatcher extends Agent {
  readonly policy: IpPolicy;

  constructor(options: SafeDispatcherOptions) {
    const connector = buildConnector({
      timeout: options.connectTimeoutMs ?? 10_000,
      lookup: guardedLookup(options.policy, options.lookup ?? resolveWithOs),
    });
    super({
      ...options.agentOptions,
      connect: (connectOptions, callback) => {
        try {
          assertLiteralHostAllowed(options.policy, connectOptions.hostname);
        } catch (error) {
          callback(error instanceof Error ? error : new Error(String(error)), null);
          return;
        }
        connector(connectOptions, callback);
      },
    });
    this.policy = options.policy;
  }
}

export function createSafeDispatcher(options: SafeDispatcherOptions): SafeDispatcher {
  return new SafeDispatcher(options);
}

async function resolveWithOs(hostname: string, family: 0 | 4 | 6): Promise<readonly LookupAddress[]> {
  return dnsLookup(hostname, { all: true, family });
}

function guardedLookup(policy: IpPolicy, resolve: ResolveHost): LookupFunction {
  return (hostname, options, callback) => {
    resolveChecked(policy, resolve, hostname, familyOf(options.family)).then(
      (addresses) => {
        const [first] = addresses;
        if (options.all) callback(null, [...addresses]);
        else if (first) callback(null, first.address, first.family);
      },
      (error: NodeJS.ErrnoException) => callback(error, '', 0),
    );
  };
}

function familyOf(family: number | string | undefined): 0 | 4 | 6 {
  if (family === 4 || family === 'IPv4') return 4;
  if (family === 6 || family === 'IPv6') return 6;
  return 0;
}

async function resolveChecked(
  policy: IpPolicy,
  resolve: ResolveHost,
  hostname: string,
  family: 0 | 4 | 6,
): Promise<LookupAddress[]> {
  const addresses = await resolve(hostname, family);
  if (addresses.length === 0) {
    throw Object.assign(new Error(`no addresses found for ${JSON.stringify(hostname)}`), {
      code: 'ENOTFOUND',
      hostname,
    });
  }
  for (const entry of addresses) assertAddressAllowed(policy, hostname, entry.address);
  return addresses.map((entry) => ({ address: entry.address, family: isIP(entry.address) }));
}
