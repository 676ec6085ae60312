import { isIPv4, isIPv6, SocketAddress } from 'node:net';

/**
 * Byte-level IP parsing for the checks that node:net BlockList cannot express: finding an
 * IPv4 address embedded in an IPv6 one (IPv4-mapped, NAT64, 6to4), which would otherwise
 * let `::ffff:127.0.0.1` or `64:ff9b::a9fe:a9fe` slip past IPv4 rules, and checking that
 * a CIDR has no host bits set. Inputs are validated with node:net first, so the parsers
 * only ever see well-formed text.
 */
export type IpFamily = 'ipv4' | 'ipv6';

export interface ParsedIp {
  family: IpFamily;
  /** The address without brackets or zone id, as accepted by BlockList. */
  address: string;
  bytes: Uint8Array;
}

export type Embedding = 'ipv4-mapped' | 'nat64' | '6to4';

export interface EmbeddedIpv4 {
  embedding: Embedding;
  address: string;
}

export function parseIp(input: string): ParsedIp | undefined {
  const unbracketed = input.startsWith('[') && input.endsWith(']') ? input.slice(1, -1) : input;
  if (isIPv4(unbracketed)) return { family: 'ipv4', address: unbracketed, bytes: ipv4Bytes(unbracketed) };
  const address = unbracketed.split('%')[0] ?? '';
  if (!isIPv6(address)) return undefined;
  return { family: 'ipv6', address, bytes: ipv6Bytes(address) };
}

export function embeddedIpv4(ip: ParsedIp): EmbeddedIpv4 | undefined {
  if (ip.family !== 'ipv6') return undefined;
  const b = ip.bytes;
  const zeros = (from: number, to: number) => b.subarray(from, to).every((byte) => byte === 0);
  if (zeros(0, 10) && b[10] === 0xff && b[11] === 0xff) return { embedding: 'ipv4-mapped', address: dotted(b, 12) };
  if (b[0] === 0x00 && b[1] === 0x64 && b[2] === 0xff && b[3] === 0x9b && zeros(4, 12)) {
    return { embedding: 'nat64', address: dotted(b, 12) };
  }
  if (b[0] === 0x20 && b[1] === 0x02) return { embedding: '6to4', address: dotted(b, 2) };
  return undefined;
}

/** True when every bit after the first `prefix` bits is zero. */
export function hostBitsAreZero(bytes: Uint8Array, prefix: number): boolean {
  for (let bit = prefix; bit < bytes.length * 8; bit += 1) {
    const byte = bytes[bit >> 3] ?? 0;
    if ((byte >> (7 - (bit & 7))) & 1) return false;
  }
  return true;
}

export function formatIp(family: IpFamily, bytes: Uint8Array): string {
  if (family === 'ipv4') return dotted(bytes, 0);
  const groups: string[] = [];
  for (let index = 0; index < 16; index += 2)
    groups.push((((bytes[index] ?? 0) << 8) | (bytes[index + 1] ?? 0)).toString(16));
  return new SocketAddress({ address: groups.join(':'), family: 'ipv6' }).address;
}

function dotted(bytes: Uint8Array, offset: number): string {
  return Array.from(bytes.subarray(offset, offset + 4)).join('.');
}

function ipv4Bytes(address: string): Uint8Array {
  return Uint8Array.from(address.split('.').map(Number));
}

function ipv6Bytes(address: string): Uint8Array {
  const bytes = new Uint8Array(16);
  let text = address;
  if (text.includes('.')) {
    const lastColon = text.lastIndexOf(':');
    bytes.set(ipv4Bytes(text.slice(lastColon + 1)), 12);
    text = `${text.slice(0, lastColon + 1)}0:0`;
  }
  const [head = '', tail] = text.split('::');
  const headGroups = head === '' ? [] : head.split(':');
  const tailGroups = tail === undefined || tail === '' ? [] : tail.split(':');
  const groups = [
    ...headGroups,
    ...new Array<string>(8 - headGroups.length - tailGroups.length).fill('0'),
    ...tailGroups,
  ];
  groups.forEach((group, index) => {
    const value = Number.parseInt(group, 16);
    if (index < 6 || !address.includes('.')) {
      bytes[index * 2] = value >> 8;
      bytes[index * 2 + 1] = value & 0xff;
    }
  });
  return bytes;
}
