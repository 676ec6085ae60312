import { describe, expect, it } from 'vitest';
import { InvalidCidrError } from './errors.js';
import { embeddedIpv4, hostBitsAreZero, parseIp } from './ip-address.js';
import { createIpPolicy, parseCidr, parseCidrList } from './ip-policy.js';

const policy = createIpPolicy();

describe('createIpPolicy without an allow-list', () => {
  it.each([
    ['0.0.0.0', 'unspecified'],
    ['0.1.2.3', 'unspecified'],
    ['::', 'unspecified'],
    ['127.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback'],
    ['::1', 'loopback'],
    ['10.0.0.1', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['100.64.0.1', 'cgnat'],
    ['100.127.255.255', 'cgnat'],
    ['169.254.169.254', 'link-local'],
    ['169.254.0.1', 'link-local'],
    ['fe80::1', 'link-local'],
    ['febf::1', 'link-local'],
    ['fe80::1%eth0', 'link-local'],
    ['fc00::1', 'unique-local'],
    ['fd12:3456::1', 'unique-local'],
    ['224.0.0.1', 'multicast'],
    ['239.255.255.250', 'multicast'],
    ['ff02::1', 'multicast'],
    ['255.255.255.255', 'broadcast'],
    ['192.0.2.10', 'documentation'],
    ['198.51.100.7', 'documentation'],
    ['203.0.113.99', 'documentation'],
    ['2001:db8::1', 'documentation'],
    ['198.18.0.1', 'benchmarking'],
    ['192.0.0.8', 'reserved'],
    ['240.0.0.1', 'reserved'],
    ['2001::1', 'reserved'],
    ['fec0::1', 'reserved'],
    ['100::1', 'reserved'],
    ['::1.2.3.4', 'reserved'],
    ['4000::1', 'reserved'],
    ['not-an-ip', 'invalid'],
    ['1.2.3', 'invalid'],
    ['', 'invalid'],
  ])('blocks %s as %s', (address, category) => {
    expect(policy.check(address)).toMatchObject({ blocked: true, category });
    expect(policy.isBlocked(address)).toBe(true);
  });

  it.each([
    ['::ffff:127.0.0.1', 'loopback', 'ipv4-mapped'],
    ['::ffff:7f00:1', 'loopback', 'ipv4-mapped'],
    ['::ffff:169.254.169.254', 'link-local', 'ipv4-mapped'],
    ['::ffff:a9fe:a9fe', 'link-local', 'ipv4-mapped'],
    ['0:0:0:0:0:ffff:10.1.2.3', 'private', 'ipv4-mapped'],
    ['64:ff9b::127.0.0.1', 'loopback', 'nat64'],
    ['64:ff9b::a9fe:a9fe', 'link-local', 'nat64'],
    ['2002:c0a8:0101::1', 'private', '6to4'],
  ])('judges %s by its embedded IPv4 address', (address, category, embedding) => {
    expect(policy.check(address)).toEqual({ blocked: true, category, embedding });
  });

  it.each([
    '8.8.8.8',
    '1.1.1.1',
    '172.32.0.1',
    '100.128.0.1',
    '169.255.0.1',
    '2606:4700:4700::1111',
    '2001:4860:4860::8888',
    '::ffff:8.8.8.8',
    '64:ff9b::8.8.8.8',
    '[2606:4700::1]',
  ])('allows public address %s', (address) => {
    expect(policy.check(address)).toEqual({ blocked: false, reason: 'public' });
  });
});

describe('allow-list', () => {
  const allowing = createIpPolicy({ allowCidrs: '127.0.0.1/32, 10.0.0.0/8,fd00:1::/32,' });

  it('lets listed addresses through and keeps blocking the rest', () => {
    expect(allowing.check('127.0.0.1')).toEqual({ blocked: false, reason: 'allow-listed' });
    expect(allowing.check('10.200.3.4')).toEqual({ blocked: false, reason: 'allow-listed' });
    expect(allowing.check('fd00:1::5')).toEqual({ blocked: false, reason: 'allow-listed' });
    expect(allowing.isBlocked('127.0.0.2')).toBe(true);
    expect(allowing.isBlocked('169.254.169.254')).toBe(true);
    expect(allowing.isBlocked('fd00:2::5')).toBe(true);
  });

  it('applies to the IPv4 address inside mapped forms consistently', () => {
    expect(allowing.isBlocked('::ffff:127.0.0.1')).toBe(false);
    expect(allowing.isBlocked('::ffff:127.0.0.2')).toBe(true);
  });

  it('accepts pre-parsed CIDRs', () => {
    expect(createIpPolicy({ allowCidrs: [parseCidr('192.168.0.0/16')] }).isBlocked('192.168.9.9')).toBe(false);
  });

  it.each([
    ['10.0.0.0', /is not a CIDR/],
    ['10.0.0.0/33', /invalid prefix length \(0-32\)/],
    ['fd00::/129', /invalid prefix length \(0-128\)/],
    ['10.0.0.0/-1', /invalid prefix length/],
    ['10.0.0.0/8/8', /is not a CIDR/],
    ['example.com/24', /is not a CIDR/],
    ['10.0.0.1/8', /host bits set; did you mean 10\.0\.0\.0\/8\?/],
    ['fd00::1/8', /did you mean fd00::\/8\?/],
    ['[::1]/128', /is not a CIDR/],
  ])('refuses %s with a clear error', (cidr, message) => {
    expect(() => createIpPolicy({ allowCidrs: `127.0.0.1/32,${cidr}` })).toThrow(InvalidCidrError);
    expect(() => parseCidrList(cidr)).toThrow(message);
  });

  it('treats an empty string as no allow-list', () => {
    expect(parseCidrList(' , ')).toEqual([]);
    expect(createIpPolicy({ allowCidrs: '' }).isBlocked('127.0.0.1')).toBe(true);
  });
});

describe('ip-address helpers', () => {
  it('parses IPv6 with embedded dotted quads and zone ids', () => {
    const ip = parseIp('::ffff:1.2.3.4');
    expect(ip && Array.from(ip.bytes)).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 255, 255, 1, 2, 3, 4]);
    expect(parseIp('fe80::1%25eth0')?.address).toBe('fe80::1');
    expect(parseIp('1::')?.bytes[1]).toBe(1);
  });

  it('finds only the supported embeddings', () => {
    const embedded = (address: string) => {
      const ip = parseIp(address);
      return ip ? embeddedIpv4(ip) : undefined;
    };
    expect(embedded('2002:0808:0808::')).toEqual({ embedding: '6to4', address: '8.8.8.8' });
    expect(embedded('2001:db8::1')).toBeUndefined();
    expect(embedded('10.0.0.1')).toBeUndefined();
  });

  it('checks host bits', () => {
    const ip = parseIp('10.1.0.0');
    if (!ip) throw new Error('fixture');
    expect(hostBitsAreZero(ip.bytes, 16)).toBe(true);
    expect(hostBitsAreZero(ip.bytes, 8)).toBe(false);
    expect(hostBitsAreZero(ip.bytes, 32)).toBe(true);
  });
});
