import { connect, createServer, type Socket } from 'node:net';

/**
 * A loopback TCP proxy that can freeze chosen connections, as a stalled Postgres backend or
 * a NAT that silently drops a flow would: bytes stop flowing both ways, nothing is closed.
 * A connection is told apart by what its client sent (e.g. `LISTEN`).
 */
export interface TcpProxy {
  port: number;
  /** Freezes every open connection whose client has sent `marker`, and later ones once they send it. */
  freeze(marker: string): void;
  thaw(): void;
  /** Drops every connection and refuses new ones, as a server going away would. */
  cut(): void;
  restore(): void;
  close(): Promise<void>;
}

interface Pair {
  client: Socket;
  upstream: Socket;
  sent: string;
  frozen: boolean;
  /** Bytes held back while frozen, in order, with the socket each was meant for. */
  held: Array<{ to: Socket; chunk: Buffer }>;
}

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const pairs = new Set<Pair>();
  let frozenMarker: string | undefined;
  let refusing = false;

  function maybeFreeze(pair: Pair) {
    if (frozenMarker === undefined || pair.frozen || !pair.sent.includes(frozenMarker)) return;
    pair.frozen = true;
  }

  function forward(pair: Pair, to: Socket, chunk: Buffer) {
    if (pair.frozen) pair.held.push({ to, chunk });
    else to.write(chunk);
  }

  const server = createServer((client) => {
    if (refusing) {
      client.destroy();
      return;
    }
    const upstream = connect(target.port, target.host);
    const pair: Pair = { client, upstream, sent: '', frozen: false, held: [] };
    pairs.add(pair);
    client.on('data', (chunk: Buffer) => {
      if (pair.sent.length < 65_536) pair.sent += chunk.toString('latin1');
      maybeFreeze(pair);
      forward(pair, upstream, chunk);
    });
    upstream.on('data', (chunk: Buffer) => forward(pair, client, chunk));
    const end = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('close', end);
    upstream.on('close', end);
    client.on('error', end);
    upstream.on('error', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('proxy has no port');

  return {
    port: address.port,
    freeze(marker) {
      frozenMarker = marker;
      for (const pair of pairs) maybeFreeze(pair);
    },
    thaw() {
      frozenMarker = undefined;
      for (const pair of pairs) {
        if (!pair.frozen) continue;
        pair.frozen = false;
        for (const { to, chunk } of pair.held.splice(0)) to.write(chunk);
      }
    },
    cut() {
      refusing = true;
      for (const pair of pairs) {
        pair.client.destroy();
        pair.upstream.destroy();
      }
    },
    restore() {
      refusing = false;
    },
    async close() {
      for (const pair of pairs) {
        pair.client.destroy();
        pair.upstream.destroy();
      }
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
