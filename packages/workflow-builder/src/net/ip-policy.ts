import { BlockList } from 'node:net';
import { InvalidCidrError } from './errors.js';
import { type Embedding, embeddedIpv4, formatIp, hostBitsAreZero, type IpFamily, parseIp } from './ip-address.js';

/**
 * Which destination addresses outbound requests may reach. Everything that is not
 * ordinary public unicast is refused: loopback, private, link-local (cloud metadata at
 * 169.254.169.254), CGNAT, unspecified, multicast, broadcast, documentation, benchmarking
 * and reserved space; for IPv6 anything outside global unicast 2000::/3 is refused too,
 * so new special ranges fail closed. IPv6 forms that carry an IPv4 address (mapped,
 * NAT64, 6to4) are judged by that IPv4 address. An operator allow-list (e.g. a local test
 * server or an internal API) overrides the block.
 */
export type AddressCategory =
  | 'unspecified'
  | 'loopback'
  | 'private'
  | 'cgnat'
  | 'link-local'
  | 'unique-local'
  | 'multicast'
  | 'broadcast'
  | 'documentation'
  | 'benchmarking'
  | 'reserved'
  | 'invalid';

export type AddressVerdict =
  | { blocked: false; reason: 'public' | 'allow-listed' }
  | { blocked: true; category: AddressCategory; embedding?: Embedding };

export interface IpPolicy {
  check(address: string): AddressVerdict;
  isBlocked(address: string): boolean;
}

export interface Cidr {
  family: IpFamily;
  address: string;
  prefix: number;
}

type Rule = [category: AddressCategory, cidrs: string[]];

const RULES: Rule[] = [
  ['unspecified', ['0.0.0.0/8', '::/128']],
  ['loopback', ['127.0.0.0/8', '::1/128']],
  ['private', ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16']],
  ['cgnat', ['100.64.0.0/10']],
  ['link-local', ['169.254.0.0/16', 'fe80::/10']],
  ['unique-local', ['fc00::/7']],
  ['multicast', ['224.0.0.0/4', 'ff00::/8']],
  ['broadcast', ['255.255.255.255/32']],
  ['documentation', ['192.0.2.0/24', '198.51.100.0/24', '203.0.113.0/24', '2001:db8::/32', '3fff::/20']],
  ['benchmarking', ['198.18.0.0/15', '2001:2::/48']],
  ['reserved', ['192.0.0.0/24', '192.88.99.0/24', '240.0.0.0/4', '2001::/23', '100::/64', 'fec0::/10']],
];

const GLOBAL_UNICAST_V6 = subnetList([{ family: 'ipv6', address: '2000::', prefix: 3 }]);
const BLOCKED = RULES.map(([category, cidrs]) => ({
  category,
  list: subnetList(cidrs.map((cidr) => parseCidr(cidr))),
}));

export function createIpPolicy(options: { allowCidrs?: string | readonly Cidr[] } = {}): IpPolicy {
  const allowCidrs = typeof options.allowCidrs === 'string' ? parseCidrList(options.allowCidrs) : options.allowCidrs;
  const allowed = subnetList(allowCidrs ?? []);
  const check = (address: string): AddressVerdict => {
    const ip = parseIp(address);
    if (!ip) return { blocked: true, category: 'invalid' };
    if (allowed.check(ip.address, ip.family)) return { blocked: false, reason: 'allow-listed' };
    const embedded = embeddedIpv4(ip);
    if (embedded) {
      const inner = check(embedded.address);
      return inner.blocked ? { ...inner, embedding: embedded.embedding } : inner;
    }
    const category = categorize(ip.address, ip.family);
    return category ? { blocked: true, category } : { blocked: false, reason: 'public' };
  };
  return { check, isBlocked: (address) => check(address).blocked };
}

/** Parses `OUTBOUND_ALLOW_CIDRS`: comma-separated `address/prefix`, blanks ignored. */
export function parseCidrList(spec: string): Cidr[] {
  return spec
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '')
    .map((entry) => parseCidr(entry));
}

export function parseCidr(text: string): Cidr {
  const [addressText = '', prefixText, extra] = text.split('/');
  const ip = parseIp(addressText);
  if (!ip || ip.address !== addressText || prefixText === undefined || extra !== undefined) {
    throw new InvalidCidrError(`${JSON.stringify(text)} is not a CIDR (expected e.g. 10.0.0.0/8 or fd00::/8)`);
  }
  const maxPrefix = ip.family === 'ipv4' ? 32 : 128;
  const prefix = /^\d{1,3}$/.test(prefixText) ? Number(prefixText) : Number.NaN;
  if (!(prefix >= 0 && prefix <= maxPrefix)) {
    throw new InvalidCidrError(`${JSON.stringify(text)} has an invalid prefix length (0-${maxPrefix})`);
  }
  if (!hostBitsAreZero(ip.bytes, prefix)) {
    const network = ip.bytes.map((byte, index) => {
      const keep = Math.min(8, Math.max(0, prefix - index * 8));
      return byte & (0xff << (8 - keep));
    });
    throw new InvalidCidrError(
      `${JSON.stringify(text)} has host bits set; did you mean ${formatIp(ip.family, network)}/${prefix}?`,
    );
  }
  return { family: ip.family, address: ip.address, prefix };
}

function categorize(address: string, family: IpFamily): AddressCategory | undefined {
  for (const { category, list } of BLOCKED) if (list.check(address, family)) return category;
  if (family === 'ipv6' && !GLOBAL_UNICAST_V6.check(address, 'ipv6')) return 'reserved';
  return undefined;
}

function subnetList(cidrs: readonly Cidr[]): BlockList {
  const list = new BlockList();
  for (const cidr of cidrs) list.addSubnet(cidr.address, cidr.prefix, cidr.family);
  return list;
}
