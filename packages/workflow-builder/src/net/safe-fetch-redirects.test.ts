import { describe, expect, it } from 'vitest';
import { BlockedAddressError } from './errors.js';
import { safeFetch } from './safe-fetch.js';
import { failure, useFetchFixture } from './testing/fetch-fixture.js';

const fx = useFetchFixture();

describe('redirects', () => {
  it('refuses a redirect to the metadata address', async () => {
    const server = await fx.serve((_request, response) => {
      response.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data/iam/' }).end();
    });
    const error = await failure(safeFetch(`${server.origin}/`, {}, fx.allowLocal()));
    expect(error).toBeInstanceOf(BlockedAddressError);
    expect((error as BlockedAddressError).host).toBe('169.254.169.254');
  });

  it('refuses a redirect to a name that resolves to a blocked address', async () => {
    const server = await fx.serve((_request, response) => {
      response.writeHead(307, { location: 'http://metadata.internal.example/computeMetadata/v1/' }).end();
    });
    const error = await failure(safeFetch(`http://app.public.example:${server.port}/`, {}, fx.allowLocal()));
    expect(error).toBeInstanceOf(BlockedAddressError);
    expect(error).toMatchObject({ host: 'metadata.internal.example', category: 'link-local' });
    expect(server.requests).toHaveLength(1);
  });

  const credentialed = {
    headers: {
      Authorization: 'Bearer top-secret',
      Cookie: 'session=abc',
      'Proxy-Authorization': 'Basic cHJveHk=',
      'X-Api-Key': 'key-123',
      'X-Trace': 'trace-1',
    },
  };
  const credentialOptions = { credentialHeaders: ['X-Api-Key'], credentialQueryParams: ['api_key'] };

  it('drops credentials on a cross-origin redirect', async () => {
    const other = await fx.serve((_request, response) => response.end('landed'));
    const first = await fx.serve((_request, response) => {
      response.writeHead(302, { location: `${other.origin}/land?api_key=key-123&keep=1` }).end();
    });
    const result = await safeFetch(
      `${first.origin}/start?api_key=key-123`,
      credentialed,
      fx.allowLocal(credentialOptions),
    );
    expect(result).toMatchObject({ status: 200, redirects: 1, attempts: 2, url: `${other.origin}/land?keep=1` });
    expect(first.requests[0]?.headers.authorization).toBe('Bearer top-secret');
    const landed = other.requests[0];
    expect(landed?.url).toBe('/land?keep=1');
    for (const name of ['authorization', 'cookie', 'proxy-authorization', 'x-api-key']) {
      expect(landed?.headers[name]).toBeUndefined();
    }
    expect(landed?.headers['x-trace']).toBe('trace-1');
  });

  it('keeps credentials on a same-origin redirect', async () => {
    const server = await fx.serve((request, response) => {
      if (request.url.startsWith('/start')) response.writeHead(301, { location: '/final?api_key=key-123' }).end();
      else response.end('final');
    });
    const result = await safeFetch(`${server.origin}/start`, credentialed, fx.allowLocal(credentialOptions));
    expect(result.body.toString()).toBe('final');
    const final = server.requests[1];
    expect(final?.url).toBe('/final?api_key=key-123');
    expect(final?.headers.authorization).toBe('Bearer top-secret');
    expect(final?.headers.cookie).toBe('session=abc');
    expect(final?.headers['x-api-key']).toBe('key-123');
  });

  it('does not restore credentials when a chain returns to the first origin', async () => {
    let firstOrigin = '';
    const other = await fx.serve((_request, response) =>
      response.writeHead(302, { location: `${firstOrigin}/back` }).end(),
    );
    const first = await fx.serve((request, response) => {
      if (request.url === '/back') response.end('back');
      else response.writeHead(302, { location: `${other.origin}/hop` }).end();
    });
    firstOrigin = first.origin;
    const result = await safeFetch(`${first.origin}/`, credentialed, fx.allowLocal());
    expect(result.redirects).toBe(2);
    expect(first.requests[1]?.headers.authorization).toBeUndefined();
  });

  it('switches POST to GET without a body on 303, keeps it on 307', async () => {
    const server = await fx.serve((request, response) => {
      if (request.url === '/see-other') response.writeHead(303, { location: '/result' }).end();
      else if (request.url === '/temporary') response.writeHead(307, { location: '/result' }).end();
      else response.end(`${request.method}:${request.body}:${request.headers['content-type'] ?? '-'}`);
    });
    const init = { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'data' };
    const seeOther = await safeFetch(`${server.origin}/see-other`, init, fx.allowLocal());
    expect(seeOther.body.toString()).toBe('GET::-');
    const temporary = await safeFetch(`${server.origin}/temporary`, init, fx.allowLocal());
    expect(temporary.body.toString()).toBe('POST:data:text/plain');
  });

  it('stops after maxRedirects', async () => {
    const server = await fx.serve((_request, response) => response.writeHead(302, { location: '/again' }).end());
    const error = await failure(safeFetch(`${server.origin}/`, {}, fx.allowLocal({ maxRedirects: 3 })));
    expect(error).toMatchObject({ name: 'TooManyRedirectsError' });
    expect(server.requests).toHaveLength(4);
  });
});
