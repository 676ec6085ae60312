import { createServer as createTcpServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createIpPolicy } from './ip-policy.js';
import { createSafeDispatcher, type ResolveHost } from './safe-dispatcher.js';
import { safeFetch } from './safe-fetch.js';
import { failure, fastRetry, useFetchFixture } from './testing/fetch-fixture.js';
import { UpstreamUnreachableError, unreachableKind } from './upstream-unreachable.js';

const fx = useFetchFixture();
const rawServers: Server[] = [];
const rawSockets: Socket[] = [];

afterEach(async () => {
  for (const socket of rawSockets.splice(0)) socket.destroy();
  await Promise.all(rawServers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
});

/** A port nothing listens on: bound once to learn a free number, then closed. */
async function closedPort(): Promise<number> {
  const server = await fx.serve((_request, response) => response.end());
  await server.close();
  return server.port;
}

/** A TCP server that answers every connection with `reply` and hangs up. */
async function rawServer(reply: string): Promise<number> {
  const server = createTcpServer((socket) => {
    rawSockets.push(socket);
    socket.end(reply);
  });
  rawServers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

function expectHostOnly(error: Error, host: string) {
  expect(error.message).toContain(JSON.stringify(host));
  for (const part of ['/private', 'token=', 'SECRET']) expect(error.message).not.toContain(part);
  expect(JSON.stringify((error as UpstreamUnreachableError).details)).not.toContain('SECRET');
}

describe('network failures', () => {
  it('maps a refused connection to a 502 naming only the host', async () => {
    const port = await closedPort();
    const error = await failure(
      safeFetch(
        `http://127.0.0.1:${port}/private?token=SECRET`,
        { headers: { authorization: 'Bearer SECRET' } },
        fx.allowLocal(),
      ),
    );
    expect(error).toBeInstanceOf(UpstreamUnreachableError);
    expect(error).toMatchObject({ code: 'BAD_GATEWAY', kind: 'connection_refused', httpStatus: 502 });
    expect((error as UpstreamUnreachableError).details).toEqual({
      host: `127.0.0.1:${port}`,
      kind: 'connection_refused',
    });
    expectHostOnly(error, `127.0.0.1:${port}`);
  });

  it('maps a name that does not resolve (injected resolver) to kind dns', async () => {
    const lookup: ResolveHost = async (hostname) => {
      throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), {
        code: 'ENOTFOUND',
        syscall: 'getaddrinfo',
      });
    };
    const dispatcher = createSafeDispatcher({ policy: createIpPolicy(), lookup });
    const error = await failure(
      safeFetch('https://nowhere.example/private?token=SECRET', {}, { dispatcher, ...fastRetry }),
    );
    await dispatcher.close();
    expect(error).toBeInstanceOf(UpstreamUnreachableError);
    expect(error).toMatchObject({ code: 'BAD_GATEWAY', kind: 'dns' });
    expectHostOnly(error, 'nowhere.example');
  });

  it('maps a resolver that returns no address to kind dns', async () => {
    const dispatcher = createSafeDispatcher({ policy: createIpPolicy(), lookup: async () => [] });
    const error = await failure(safeFetch('https://empty.example/', {}, { dispatcher, ...fastRetry }));
    await dispatcher.close();
    expect(error).toMatchObject({ kind: 'dns', code: 'BAD_GATEWAY' });
  });

  it('maps a failed TLS handshake to kind tls', async () => {
    const server = await fx.serve((_request, response) => response.end('plain http'));
    const error = await failure(safeFetch(`https://127.0.0.1:${server.port}/`, {}, fx.allowLocal()));
    expect(error).toMatchObject({ kind: 'tls', code: 'BAD_GATEWAY' });
  });

  it('maps a response that is not HTTP to kind protocol', async () => {
    const port = await rawServer('SSH-2.0-OpenSSH_9.6\r\n\r\n');
    const error = await failure(
      safeFetch(`http://127.0.0.1:${port}/`, {}, fx.allowLocal({ retry: { maxRetries: 0 } })),
    );
    expect(error).toMatchObject({ kind: 'protocol', code: 'BAD_GATEWAY' });
  });

  it('leaves errors that are not network failures alone', () => {
    expect(unreachableKind(new TypeError('bug'))).toBeUndefined();
    expect(unreachableKind(Object.assign(new Error('x'), { code: 'ERR_INVALID_ARG_TYPE' }))).toBeUndefined();
    expect(
      unreachableKind(new Error('wrapped', { cause: Object.assign(new Error('r'), { code: 'ECONNRESET' }) })),
    ).toBe('connection_reset');
  });
});
