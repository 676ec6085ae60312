import type { LookupAddress } from 'node:dns';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BlockedAddressError } from './errors.js';
import { createIpPolicy } from './ip-policy.js';
import { createSafeDispatcher, type ResolveHost, type SafeDispatcher } from './safe-dispatcher.js';
import { failure } from './testing/fetch-fixture.js';
import { type LocalServer, startLocalServer } from './testing/local-server.js';

let server: LocalServer;
const dispatchers: SafeDispatcher[] = [];

function dispatcher(allowCidrs: string, lookup?: ResolveHost): SafeDispatcher {
  const created = createSafeDispatcher({ policy: createIpPolicy({ allowCidrs }), ...(lookup ? { lookup } : {}) });
  dispatchers.push(created);
  return created;
}

function fakeDns(table: Record<string, string[]>, calls: string[] = []): ResolveHost {
  return async (hostname) => {
    calls.push(hostname);
    return (table[hostname] ?? []).map(
      (address): LookupAddress => ({ address, family: address.includes(':') ? 6 : 4 }),
    );
  };
}

beforeAll(async () => {
  server = await startLocalServer((_request, response) => response.end('ok'));
});

afterAll(async () => {
  await Promise.all(dispatchers.map((created) => created.close()));
  await server.close();
});

describe('SafeDispatcher', () => {
  it('refuses a literal loopback IP even when used directly with undici', async () => {
    const error = await failure(request(`${server.origin}/`, { dispatcher: dispatcher('') }));
    expect(error).toBeInstanceOf(BlockedAddressError);
    expect(error).toMatchObject({ host: '127.0.0.1', category: 'loopback' });
    expect(server.requests).toHaveLength(0);
  });

  it('is not asked to resolve literal IPs, so the connector checks them itself', async () => {
    const calls: string[] = [];
    const response = await request(`${server.origin}/literal`, {
      dispatcher: dispatcher('127.0.0.1/32', fakeDns({}, calls)),
    });
    expect(response.statusCode).toBe(200);
    await response.body.dump();
    expect(calls).toEqual([]);
  });

  it('refuses localhost through the real resolver', async () => {
    const error = await failure(request(`http://localhost:${server.port}/`, { dispatcher: dispatcher('') }));
    expect(error).toBeInstanceOf(BlockedAddressError);
    expect(error.message).toContain('"localhost"');
    expect(error.message).toContain('loopback');
  });

  it('refuses a public-looking name that resolves to loopback', async () => {
    const calls: string[] = [];
    const lookup = fakeDns({ 'api.public.example': ['127.0.0.1'] }, calls);
    const error = await failure(
      request(`http://api.public.example:${server.port}/`, { dispatcher: dispatcher('', lookup) }),
    );
    expect(error).toBeInstanceOf(BlockedAddressError);
    expect(error).toMatchObject({ host: 'api.public.example', category: 'loopback', address: '127.0.0.1' });
    expect(calls).toEqual(['api.public.example']);
  });

  it('refuses a name when any one of its addresses is blocked', async () => {
    const lookup = fakeDns({ 'mixed.example': ['127.0.0.1', '169.254.169.254'] });
    const error = await failure(
      request(`http://mixed.example:${server.port}/`, { dispatcher: dispatcher('127.0.0.1/32', lookup) }),
    );
    expect(error).toMatchObject({ name: 'BlockedAddressError', category: 'link-local', address: '169.254.169.254' });
  });

  it('connects to the checked address when it is allow-listed', async () => {
    const before = server.requests.length;
    const lookup = fakeDns({ 'svc.public.example': ['127.0.0.1'] });
    const response = await request(`http://svc.public.example:${server.port}/pinned`, {
      dispatcher: dispatcher('127.0.0.1/32', lookup),
    });
    expect(response.statusCode).toBe(200);
    expect(await response.body.text()).toBe('ok');
    expect(server.requests[before]).toMatchObject({ url: '/pinned' });
    expect(server.requests[before]?.headers.host).toBe(`svc.public.example:${server.port}`);
  });

  it('refuses IPv4-mapped IPv6 literals', async () => {
    const error = await failure(request(`http://[::ffff:127.0.0.1]:${server.port}/`, { dispatcher: dispatcher('') }));
    expect(error).toMatchObject({ name: 'BlockedAddressError', category: 'ipv4-mapped loopback' });
  });

  it('reports a name with no addresses as not found', async () => {
    const error = await failure(
      request(`http://void.example:${server.port}/`, { dispatcher: dispatcher('127.0.0.1/32', fakeDns({})) }),
    );
    expect(error).toMatchObject({ code: 'ENOTFOUND' });
  });

  it('treats a resolver answer that is not an IP as blocked', async () => {
    const lookup = fakeDns({ 'weird.example': ['not-an-ip'] });
    const error = await failure(
      request(`http://weird.example:${server.port}/`, { dispatcher: dispatcher('127.0.0.1/32', lookup) }),
    );
    expect(error).toMatchObject({ name: 'BlockedAddressError', category: 'invalid' });
  });
});
