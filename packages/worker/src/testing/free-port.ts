import { createServer, type Server } from 'node:net';

/**
 * Asks the OS for free TCP ports. All listeners stay open until every port is chosen so
 * one call never hands out the same port twice; another process can still grab a port
 * before the caller binds it, which is why the dev server retries on a bind failure.
 */
function listenOnAnyPort(host: string): Promise<{ server: Server; port: number }> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen({ host, port: 0, exclusive: true }, () => {
      const address = server.address();
      if (typeof address === 'object' && address !== null) resolve({ server, port: address.port });
      else server.close(() => reject(new Error(`could not read the port bound on ${host}`)));
    });
  });
}

export async function findFreePorts(count: number, host = '127.0.0.1'): Promise<number[]> {
  const held: Server[] = [];
  try {
    const ports: number[] = [];
    for (let index = 0; index < count; index += 1) {
      const { server, port } = await listenOnAnyPort(host);
      held.push(server);
      ports.push(port);
    }
    return ports;
  } finally {
    await Promise.all(held.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
  }
}
